import {
  attempts,
  distributions,
  files,
  projects,
  releaseNotes,
  releases,
  type ProjectRow,
  type ReleaseRow,
} from '@packhouse/db';
import type { Checkout } from '@packhouse/packager';
import { runAttempt, type AttemptOptions, type BuildOutcome, type JobType } from './attempt.ts';
import { matchAdvisoriesOnPublish } from './advisories.ts';
import { recordReleaseChange } from './changes.ts';
import type { Registry } from './context.ts';
import { enqueueDistributionBuild } from './distribution/queue.ts';
import { fetchSource, fileRows, packageSource } from './packaging.ts';

export { BuildRefused } from './packaging.ts';

interface ClaimedRelease {
  release: ReleaseRow;
  project: ProjectRow;
}

/** A tagged release: its archives are built once, named after the version. */
const taggedRelease: JobType<ClaimedRelease, Checkout> = {
  name: 'release',
  messages: {
    published: 'Release published.',
    lostRace: 'Release was published by another worker.',
    refused: 'Release refused: the source breaks a packaging rule.',
  },
  async claim({ db }, releaseId) {
    const release = await releases.claimRelease(db, releaseId);
    if (!release) return null;
    const project = await projects.findProjectById(db, release.projectId);
    if (!project) throw new Error(`release ${releaseId} has no project`);
    return { release, project };
  },
  describe: ({ release, project }) => ({
    release: { id: release.id },
    project: { name: project.name },
    version: release.version,
  }),
  describeSource: (source) => ({ commit: source.commit }),
  fetch: (registry, { release, project }) => fetchSource(registry, project, { tag: release.tag }),
  package: (registry, { release, project }, source, written) =>
    packageSource(registry, project, source, release.version, `${project.name}-${release.version}`, written),
  async publish(registry, tx, { release, project }, source, { stored, coreCompatibility, composer }) {
    const won = await releases.markPublished(tx, release.id, {
      commit: source.commit,
      commitTime: new Date(source.commitTime * 1000),
      coreCompatibility,
      composer,
    });
    if (!won) return false;
    await files.insertFiles(tx, fileRows(release.id, stored));
    if (source.annotation) {
      const { message, taggedAt } = source.annotation;
      await releaseNotes.saveNotes(tx, release.id, {
        message,
        taggedAt: taggedAt === null ? null : new Date(taggedAt * 1000),
      });
    }
    // Advisories saved before this release whose constraint matches it affect it from its first feed on.
    await matchAdvisoriesOnPublish(tx, release);
    // A distribution's make file is built next, by its own job (committed with the profile).
    if (project.type === 'distribution') await distributions.ensureBuild(tx, release.id);
    await recordReleaseChange(registry, tx, release.id, 'release.published');
    return true;
  },
  fail: ({ db }, { release }, { message, detail }) => releases.markFailed(db, release.id, message, undefined, detail),
  retrying: ({ db }, { release }, { message, detail, nextAttemptAt }) =>
    attempts.markRetrying(db, 'releases', release.id, { lastError: message, detail, nextAttemptAt }),
};

/** Packages one tagged release (see `attempt.ts` for the lifecycle and its guarantees). */
export async function buildRelease(
  registry: Registry,
  releaseId: string,
  options?: AttemptOptions,
): Promise<BuildOutcome> {
  const outcome = await runAttempt(registry, taggedRelease, releaseId, options);
  if (outcome === 'published') await enqueueDistributionBuild(registry, releaseId);
  return outcome;
}

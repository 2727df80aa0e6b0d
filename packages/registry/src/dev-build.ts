import {
  attempts,
  builds,
  files,
  projects,
  releases,
  type BuildRow,
  type ProjectRow,
  type ReleaseRow,
} from '@packhouse/db';
import type { Checkout } from '@packhouse/packager';
import { runAttempt, type AttemptOptions, type BuildOutcome, type JobType } from './attempt.ts';
import { recordReleaseChange } from './changes.ts';
import type { Registry } from './context.ts';
import { fetchSource, fileRows, metadataOf, packageSource } from './packaging.ts';

interface ClaimedBuild {
  build: BuildRow;
  release: ReleaseRow;
  project: ProjectRow;
}

/**
 * A snapshot of a dev branch. Every build is a new set of immutable objects named after its
 * commit; the release then points at its newest build. A head that did not move costs a
 * fetch and a tree listing, no packaging, and a head seen before re-uses that build's files.
 */
const devSnapshot: JobType<ClaimedBuild, Checkout> = {
  name: 'dev-build',
  messages: {
    published: 'Dev snapshot published.',
    lostRace: 'Dev snapshot was published by another worker.',
    refused: 'Dev snapshot refused: the source breaks a packaging rule.',
  },
  async claim({ db }, buildId) {
    const build = await builds.claimBuild(db, buildId);
    if (!build) return null;
    const release = await releases.findReleaseById(db, build.releaseId);
    if (!release) throw new Error(`build ${buildId} has no release`);
    const project = await projects.findProjectById(db, release.projectId);
    if (!project) throw new Error(`release ${release.id} has no project`);
    return { build, release, project };
  },
  describe: ({ build, release, project }) => ({
    build: { id: build.id },
    release: { id: release.id },
    project: { name: project.name },
    version: release.version,
  }),
  describeSource: (source) => ({ commit: source.commit }),
  fetch: (registry, { release, project }) => fetchSource(registry, project, { branch: release.tag }),
  async shortcut(registry, { build, release, project }, source) {
    const { db, log } = registry;
    const commitTime = new Date(source.commitTime * 1000);
    if (source.commit === release.commit) {
      await builds.finishBuild(db, build.id, { status: 'unchanged', commit: source.commit, commitTime });
      log.info('Dev branch did not move; nothing to package.');
      return 'unchanged';
    }
    const earlier = await builds.findPublishedBuildOf(db, release.id, source.commit);
    if (!earlier) return null;
    // Back to a commit built before: point at that build's files (their names are the commit's).
    const { coreCompatibility, composer } = await metadataOf(project, source, release.version);
    await db.transaction().execute(async (tx) => {
      if (!(await builds.finishBuild(tx, build.id, { status: 'unchanged', commit: source.commit, commitTime }))) return;
      const current = { id: earlier.id, commit: source.commit, commitTime, coreCompatibility, composer };
      if (await builds.makeCurrent(tx, release.id, current, build.id)) {
        await recordReleaseChange(registry, tx, release.id, 'release.updated');
      }
    });
    log.info({ reused: earlier.id }, 'Dev branch is back on a commit built before; its build is current again.');
    return 'unchanged';
  },
  package(registry, { release, project }, source, written) {
    const fileBase = `${project.name}-${release.version}-${source.commit.slice(0, 12)}`;
    return packageSource(registry, project, source, release.version, fileBase, written);
  },
  async publish(registry, tx, { build, release }, source, { stored, coreCompatibility, composer }) {
    const commitTime = new Date(source.commitTime * 1000);
    if (!(await builds.finishBuild(tx, build.id, { status: 'published', commit: source.commit, commitTime })))
      return false;
    await files.insertFiles(tx, fileRows(release.id, stored, build.id));
    // Its files are published either way; the release points at them unless a newer job decided otherwise.
    const current = { id: build.id, commit: source.commit, commitTime, coreCompatibility, composer };
    if (await builds.makeCurrent(tx, release.id, current, build.id)) {
      await recordReleaseChange(registry, tx, release.id, 'release.updated');
    }
    return true;
  },
  async fail({ db }, { build, release }, { message, detail }) {
    await builds.finishBuild(db, build.id, { status: 'failed', error: message, errorDetail: detail });
    await releases.markDevFailed(db, release.id, message, detail);
  },
  retrying: ({ db }, { build }, { message, detail, nextAttemptAt }) =>
    attempts.markRetrying(db, 'builds', build.id, { lastError: message, detail, nextAttemptAt }),
};

/** Packages one dev snapshot build (see `attempt.ts` for the lifecycle and its guarantees). */
export function buildDevSnapshot(registry: Registry, buildId: string, options?: AttemptOptions): Promise<BuildOutcome> {
  return runAttempt(registry, devSnapshot, buildId, options);
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  distributions,
  files,
  projects,
  releases,
  type DistributionBuildRow,
  type ProjectRow,
  type ReleaseFileRow,
  type ReleaseRow,
} from '@packhouse/db';
import { SourceRefused, type Checkout, type ComponentZip } from '@packhouse/packager';
import { Postponed, runAttempt, type AttemptOptions, type BuildOutcome, type JobType } from '../attempt.ts';
import { recordReleaseChange } from '../changes.ts';
import type { Registry } from '../context.ts';
import { fetchSource } from '../packaging.ts';
import { downloadUrl } from '../views.ts';
import { compiledAllowlist } from './allowlist.ts';
import { assemble } from './assemble.ts';
import type { Component } from './components.ts';
import { readMakePlan, refuseProblems, type MakePlan } from './make.ts';
import { storeOutputs, type StoredFile } from './outputs.ts';
import { resolveProjects, type ResolvedProject } from './resolve.ts';
import { cycloneDx } from './sbom.ts';

interface ClaimedDistribution {
  build: DistributionBuildRow;
  release: ReleaseRow;
  project: ProjectRow;
}

/** Everything decided before any byte is downloaded: the make files read, every pin found. */
interface Resolved {
  checkout: Checkout;
  plan: MakePlan;
  core: ResolvedProject;
  projects: ResolvedProject[];
  profileTarball: ReleaseFileRow;
  profileZip: ReleaseFileRow | null;
}

/** The profile's archives were stored by the release job; this one stores the rest. */
interface BuiltDistribution {
  stored: StoredFile[];
  components: Component[];
}

/** A waiting build looks again after half the time it has waited, within these bounds. */
const WAIT_STEP_MS = { min: 1_000, max: 30_000 };

/**
 * A distribution release's second job: its make file becomes the `-no-core` and `-core`
 * archives and a CycloneDX bill of materials, added to the release (already published
 * with its profile-only archives) in one transaction with the components it bundles.
 */
const distributionBuild: JobType<ClaimedDistribution, Resolved, BuiltDistribution> = {
  name: 'distribution',
  messages: {
    published: 'Distribution built and published.',
    lostRace: 'Distribution was built by another worker.',
    refused: 'Distribution refused: the make file breaks a packaging rule.',
  },
  async claim({ db }, id) {
    const build = await distributions.claimBuild(db, id);
    if (!build) return null;
    const release = await releases.findReleaseById(db, build.releaseId);
    if (!release) throw new Error(`distribution build ${id} has no release`);
    const project = await projects.findProjectById(db, release.projectId);
    if (!project) throw new Error(`release ${release.id} has no project`);
    return { build, release, project };
  },
  describe: ({ build, release, project }) => ({
    distributionBuild: { id: build.id },
    release: { id: release.id },
    project: { name: project.name },
    version: release.version,
  }),
  describeSource: (resolved) => ({ commit: resolved.checkout.commit }),

  async fetch(registry, { build, release, project }) {
    const checkout = await fetchSource(registry, project, { tag: release.tag });
    if (checkout.commit !== release.commit) {
      throw new SourceRefused(
        'tag_moved',
        `tag ${release.tag} now points at ${checkout.commit}, but the profile was packaged from ${release.commit}`,
      );
    }
    const allowlist = await compiledAllowlist(registry);
    const insecure = registry.config.distributions.insecureOrigins.length > 0;
    const { plan, problems } = await readMakePlan(checkout, project.name, { allowlist, allowHttp: insecure });
    const resolution = await resolveProjects(registry.db, plan);
    const all = [...problems, ...resolution.problems];
    if (all.length > 0) throw refuseProblems(all);
    if (resolution.waiting.length > 0) await waitFor(registry, build, resolution.waiting);
    const profileArchives = (await files.listFiles(registry.db, [release.id])).filter((f) => f.variant === null);
    const profileTarball = profileArchives.find((f) => f.archiveType === 'tar.gz');
    if (!profileTarball) throw new Error(`${project.name} ${release.version} has no profile tarball`);
    const profileZip = profileArchives.find((f) => f.archiveType === 'zip') ?? null;
    return { checkout, plan, core: resolution.core!, projects: resolution.projects, profileTarball, profileZip };
  },

  async package(registry, { release, project }, resolved, written) {
    const started = performance.now();
    const work = await mkdtemp(path.join(tmpdir(), 'packhouse-distribution-'));
    const zips: ComponentZip[] = [];
    try {
      const assembled = await assemble(registry, {
        work,
        zips,
        profile: {
          name: project.name,
          version: release.version,
          tarball: resolved.profileTarball,
          zip: resolved.profileZip,
        },
        core: resolved.core,
        projects: resolved.projects,
        libraries: resolved.plan.libraries,
      });
      const assembledAt = performance.now();
      const time = Math.floor((release.commitTime ?? new Date()).getTime() / 1000);
      const sbom = cycloneDx(
        {
          name: project.name,
          version: release.version,
          commit: resolved.checkout.commit,
          time,
          profile: {
            url: downloadUrl(registry.config.publicUrl, resolved.profileTarball.name),
            sha256: resolved.profileTarball.sha256,
          },
        },
        assembled.components,
      );
      const { site, profileAt } = assembled;
      const stored = await storeOutputs(
        registry,
        { project: project.name, version: release.version },
        {
          projects: site.plan(profileAt, project.name, time),
          full: site.plan('', `${project.name}-${release.version}`, time),
        },
        sbom,
        written,
      );
      registry.log.info(
        {
          assemble_ms: Math.round(assembledAt - started),
          archive_ms: Math.round(performance.now() - assembledAt),
          components: assembled.components.length,
          // The process's memory right after the build's largest step (bench:distro reads these).
          rss_mb: Math.round(process.memoryUsage.rss() / 1048576),
          heap_total_mb: Math.round(process.memoryUsage().heapTotal / 1048576),
        },
        'Distribution assembled and archived.',
      );
      return { stored, components: assembled.components };
    } finally {
      for (const zip of zips) zip.close();
      await rm(work, { recursive: true, force: true });
    }
  },

  async publish(registry, tx, { build, release }, _resolved, built) {
    if (!(await distributions.markPublished(tx, build.id))) return false;
    await files.insertFiles(
      tx,
      built.stored.map(({ name, archiveType, variant, key, digests }) => ({
        releaseId: release.id,
        name,
        archiveType,
        variant,
        storageKey: key,
        ...digests,
      })),
    );
    await distributions.insertComponents(
      tx,
      built.components.map((component) => ({
        releaseId: release.id,
        kind: component.kind,
        name: component.name,
        version: component.version,
        componentReleaseId: component.releaseId,
        appliedTo: component.appliedTo,
        sourceUrl: component.sourceUrl,
        sha256: component.sha256,
        makeFile: component.origin.file,
        makeLine: component.origin.line,
      })),
    );
    // The release's files changed: a new revision, signed, in the change feed for mirrors.
    await recordReleaseChange(registry, tx, release.id, 'release.updated');
    return true;
  },

  fail: ({ db }, { build }, { message }) => distributions.markFailed(db, build.id, message),
  // Distribution builds keep no retry state of their own yet: the queue's retry is enough.
  retrying: async () => {},
};

/**
 * Pinned releases still queued or building are waited for without holding a worker slot
 * (they may need it): the build goes back to `queued` and the job is postponed, looking again
 * after half the time waited so far (1 to 30 s). Past DISTRIBUTION_WAIT_MS from the first wait
 * the build fails, naming them; a retry waits anew.
 */
async function waitFor(registry: Registry, build: DistributionBuildRow, waiting: string[]): Promise<never> {
  const boundMs = registry.config.distributions.waitForReleasesMs;
  const waitedMs = build.waitingSince ? Date.now() - build.waitingSince.getTime() : 0;
  if (waitedMs >= boundMs) {
    throw new SourceRefused(
      'pinned_release_unpublished',
      `Pinned releases were still not published after ${Math.round(boundMs / 1000)} s: ${waiting.join(', ')}.`,
    );
  }
  await distributions.markWaiting(registry.db, build.id, waiting);
  const delayMs = Math.min(WAIT_STEP_MS.max, Math.max(WAIT_STEP_MS.min, waitedMs / 2));
  throw new Postponed(`Waiting for pinned releases to be published: ${waiting.join(', ')}.`, Math.round(delayMs));
}

/** Builds one distribution release's make file (see `attempt.ts` for the lifecycle). */
export function buildDistributionRelease(
  registry: Registry,
  distributionBuildId: string,
  options?: AttemptOptions,
): Promise<BuildOutcome> {
  return runAttempt(registry, distributionBuild, distributionBuildId, options);
}

import { builds, files, projects, releases } from '@packhouse/db';
import { SourceRefused } from '@packhouse/packager';
import type { BuildOutcome } from './build.ts';
import { recordReleaseChange } from './changes.ts';
import type { Registry } from './context.ts';
import { BuildRefused, coreCompatibilityOf, fetchSource, fileRows, packageSource, removeObjects } from './packaging.ts';

/**
 * Packages one snapshot of a dev branch. Every build is a new set of immutable objects
 * named after its commit; the release then points at its newest build. A head that did not
 * move costs a fetch and a tree listing, no packaging, and a head seen before re-uses that
 * build's files.
 */
export async function buildDevSnapshot(registry: Registry, buildId: string, { lastAttempt = true } = {}): Promise<BuildOutcome> {
  const { db, log } = registry;
  const build = await builds.claimBuild(db, buildId);
  if (!build) return 'already-finished';
  const release = (await releases.findReleaseById(db, build.releaseId))!;
  const project = (await projects.findProjectById(db, release.projectId))!;
  const logFields = { build: { id: buildId }, release: { id: release.id }, project: { name: project.name }, version: release.version };
  const written: string[] = [];
  let published = false;
  try {
    const source = await fetchSource(registry, project, { branch: release.tag });
    const commitTime = new Date(source.commitTime * 1000);
    if (source.commit === release.commit) {
      await builds.finishBuild(db, buildId, { status: 'unchanged', commit: source.commit, commitTime });
      log.info({ ...logFields, commit: source.commit }, 'Dev branch did not move; nothing to package.');
      return 'unchanged';
    }
    const earlier = await builds.findPublishedBuildOf(db, release.id, source.commit);
    if (earlier) {
      // Back to a commit built before: point at that build's files (their names are the commit's).
      const coreCompatibility = await coreCompatibilityOf(project, source, release.version);
      await db.transaction().execute(async (tx) => {
        if (!(await builds.finishBuild(tx, buildId, { status: 'unchanged', commit: source.commit, commitTime }))) return;
        if (await builds.makeCurrent(tx, release.id, { id: earlier.id, commit: source.commit, commitTime, coreCompatibility }, buildId)) {
          await recordReleaseChange(registry, tx, release.id, 'release.updated');
        }
      });
      log.info({ ...logFields, commit: source.commit, reused: earlier.id }, 'Dev branch is back on a commit built before; its build is current again.');
      return 'unchanged';
    }
    const fileBase = `${project.name}-${release.version}-${source.commit.slice(0, 12)}`;
    const { stored, coreCompatibility } = await packageSource(registry, project, source, release.version, fileBase, written);
    published = await db.transaction().execute(async (tx) => {
      if (!(await builds.finishBuild(tx, buildId, { status: 'published', commit: source.commit, commitTime }))) return false;
      await files.insertFiles(tx, fileRows(release.id, stored, buildId));
      // Its files are published either way; the release points at them unless a newer job decided otherwise.
      if (await builds.makeCurrent(tx, release.id, { id: buildId, commit: source.commit, commitTime, coreCompatibility }, buildId)) {
        await recordReleaseChange(registry, tx, release.id, 'release.updated');
      }
      return true;
    });
    log.info({ ...logFields, commit: source.commit }, published ? 'Dev snapshot published.' : 'Dev snapshot was published by another worker.');
    return published ? 'published' : 'lost-race';
  } catch (error) {
    const refused = error instanceof SourceRefused;
    if (refused || lastAttempt) {
      const message = refused ? error.message : `Packaging failed: ${(error as Error).message}`;
      await builds.finishBuild(db, buildId, { status: 'failed', error: message });
      await releases.markDevFailed(db, release.id, message);
    }
    if (refused) {
      log.warn({ ...logFields, rule: error.rule, reason: error.message }, 'Dev snapshot refused: the source breaks a packaging rule.');
      throw new BuildRefused(error.message, { cause: error });
    }
    throw error;
  } finally {
    if (!published) await removeObjects(registry, written);
  }
}

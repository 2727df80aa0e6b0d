import { files, projects, releases } from '@packhouse/db';
import { SourceRefused } from '@packhouse/packager';
import { recordReleaseChange } from './changes.ts';
import type { Registry } from './context.ts';
import { BuildRefused, fetchSource, fileRows, packageSource, removeObjects } from './packaging.ts';

export { BuildRefused } from './packaging.ts';

export type BuildOutcome = 'published' | 'already-finished' | 'lost-race' | 'unchanged';

/**
 * Packages one tagged release: fetch the tag, stream both archives to S3 while hashing
 * them, then publish in one transaction. Safe to run twice or concurrently: each attempt
 * writes keys of its own, only one transaction can move the release to published, and
 * the objects of an attempt that failed or lost are removed.
 */
export async function buildRelease(registry: Registry, releaseId: string, { lastAttempt = true } = {}): Promise<BuildOutcome> {
  const { db, log } = registry;
  const release = await releases.claimRelease(db, releaseId);
  if (!release) return 'already-finished';
  const project = await projects.findProjectById(db, release.projectId);
  if (!project) throw new Error(`release ${releaseId} has no project`);
  const logFields = { release: { id: releaseId }, project: { name: project.name }, version: release.version };
  const started = performance.now();
  const written: string[] = [];
  let published = false;
  try {
    const source = await fetchSource(registry, project, { tag: release.tag });
    const fetched = performance.now();
    const { stored, coreCompatibility } = await packageSource(registry, project, source, release.version, `${project.name}-${release.version}`, written);
    const packaged = performance.now();
    published = await db.transaction().execute(async (tx) => {
      const won = await releases.markPublished(tx, releaseId, {
        commit: source.commit,
        commitTime: new Date(source.commitTime * 1000),
        coreCompatibility,
      });
      if (!won) return false;
      await files.insertFiles(tx, fileRows(releaseId, stored));
      await recordReleaseChange(registry, tx, releaseId, 'release.published');
      return true;
    });
    log.info(
      {
        ...logFields,
        commit: source.commit,
        fetch_ms: Math.round(fetched - started),
        package_ms: Math.round(packaged - fetched),
        publish_ms: Math.round(performance.now() - packaged),
        duration_ms: Math.round(performance.now() - started),
      },
      published ? 'Release published.' : 'Release was published by another worker.',
    );
    return published ? 'published' : 'lost-race';
  } catch (error) {
    if (error instanceof SourceRefused) {
      await releases.markFailed(db, releaseId, error.message);
      log.warn({ ...logFields, rule: error.rule, reason: error.message }, 'Release refused: the source breaks a packaging rule.');
      throw new BuildRefused(error.message, { cause: error });
    }
    if (lastAttempt) await releases.markFailed(db, releaseId, `Packaging failed: ${(error as Error).message}`);
    throw error;
  } finally {
    // Nothing unpublished stays in the bucket.
    if (!published) await removeObjects(registry, written);
  }
}

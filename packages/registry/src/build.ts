import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { events, files, projects, releases } from '@packhouse/db';
import { archives, checkout, digestingStream, SourceRefused, type Digests } from '@packhouse/packager';
import { keys } from '@packhouse/storage';
import type { Registry } from './context.ts';

export type BuildOutcome = 'published' | 'already-finished' | 'lost-race';

/** A permanent refusal: the processor turns it into BullMQ's UnrecoverableError. */
export class BuildRefused extends Error {}

interface StoredArchive {
  name: string;
  archiveType: 'tar.gz' | 'zip';
  key: string;
  digests: Digests;
}

/**
 * Packages one release: fetch the tag, stream both archives to S3 while hashing them, then
 * publish in one transaction. Safe to run twice or concurrently: each attempt writes keys
 * of its own, only one transaction can move the release to published, and the objects of
 * an attempt that failed or lost are removed.
 */
export async function buildRelease(registry: Registry, releaseId: string, { lastAttempt = true } = {}): Promise<BuildOutcome> {
  const { db, config, log } = registry;
  const release = await releases.claimRelease(db, releaseId);
  if (!release) return 'already-finished';
  const project = await projects.findProjectById(db, release.projectId);
  if (!project) throw new Error(`release ${releaseId} has no project`);
  const logFields = { release: { id: releaseId }, project: { name: project.name }, version: release.version };
  const started = performance.now();
  const written: string[] = [];
  let published = false;
  try {
    const source = await checkout({
      project: project.name,
      gitUrl: project.gitUrl,
      ref: { tag: release.tag },
      git: config.git,
      limits: config.limits,
    });
    const built = await archives(source, { project: project.name, version: release.version, type: project.type });
    const buildId = keys.newBuildId();
    const key = (name: string) => keys.archive(project.name, release.version, buildId, name);
    // Both settle before anything is cleaned up, so no upload outlives a failed attempt.
    const settled = await Promise.allSettled([
      store(registry, key, `${built.baseName}.tar.gz`, 'tar.gz', built.tarGz, written),
      store(registry, key, `${built.baseName}.zip`, 'zip', built.zip, written),
    ]);
    const failure = settled.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    const stored = settled.map((result) => (result as PromiseFulfilledResult<StoredArchive>).value);
    published = await db.transaction().execute(async (tx) => {
      const won = await releases.markPublished(tx, releaseId, {
        commit: source.commit,
        commitTime: new Date(source.commitTime * 1000),
        coreCompatibility: built.coreCompatibility,
      });
      if (!won) return false;
      await files.insertFiles(
        tx,
        stored.map(({ name, archiveType, key, digests }) => ({ releaseId, name, archiveType, storageKey: key, ...digests })),
      );
      await events.appendEvent(tx, {
        kind: 'release.published',
        project: project.name,
        version: release.version,
        payload: { commit: source.commit, files: stored.map(({ name, digests }) => ({ name, ...digests })) },
      });
      return true;
    });
    log.info(
      { ...logFields, commit: source.commit, duration_ms: Math.round(performance.now() - started) },
      published ? 'Release published.' : 'Release was published by another worker.',
    );
    return published ? 'published' : 'lost-race';
  } catch (error) {
    if (error instanceof SourceRefused) {
      await releases.markFailed(db, releaseId, error.message);
      log.warn({ ...logFields, rule: error.rule }, `Release refused: ${error.message}`);
      throw new BuildRefused(error.message, { cause: error });
    }
    if (lastAttempt) await releases.markFailed(db, releaseId, `Packaging failed: ${(error as Error).message}`);
    throw error;
  } finally {
    // Nothing unpublished stays in the bucket.
    if (!published) await Promise.all(written.map((key) => registry.storage.remove(key).catch(() => {})));
  }
}

/** Uploads one archive while hashing exactly the bytes that go up. */
async function store(
  registry: Registry,
  keyOf: (name: string) => string,
  name: string,
  archiveType: StoredArchive['archiveType'],
  body: Readable,
  written: string[],
): Promise<StoredArchive> {
  const key = keyOf(name);
  const { stream, digests } = digestingStream();
  written.push(key);
  await Promise.all([pipeline(body, stream), registry.storage.upload(key, name, stream)]);
  return { name, archiveType, key, digests: await digests };
}

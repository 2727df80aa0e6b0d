import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArchiveType, ProjectRow } from '@packhouse/db';
import {
  archives,
  checkout,
  digestingStream,
  type Checkout,
  type ComposerMetadata,
  type Digests,
} from '@packhouse/packager';
import { keys } from '@packhouse/storage';
import type { Registry } from './context.ts';

/** A permanent refusal: the processor turns it into BullMQ's UnrecoverableError. */
export class BuildRefused extends Error {}

export interface StoredArchive {
  name: string;
  /** A distribution also stores its bill of materials (`cdx.json`). */
  archiveType: ArchiveType;
  key: string;
  digests: Digests;
}

export interface Packaged {
  stored: StoredArchive[];
  coreCompatibility: string | null;
  /** What the Composer repository publishes for this tree (require, sub-modules). */
  composer: ComposerMetadata;
}

export async function fetchSource(
  registry: Registry,
  project: ProjectRow,
  ref: { tag: string } | { branch: string },
): Promise<Checkout> {
  const { config, metrics } = registry;
  const started = performance.now();
  let outcome: 'ok' | 'error' = 'error';
  try {
    const { git, limits } = config;
    const source = await checkout({ project: project.name, gitUrl: project.gitUrl, ref, git, limits });
    outcome = 'ok';
    return source;
  } finally {
    metrics.gitFetched(outcome, (performance.now() - started) / 1000);
  }
}

/**
 * The metadata (`core_version_requirement`, Composer's) the archives of `source` would carry, without building them.
 */
export async function metadataOf(
  project: ProjectRow,
  source: Checkout,
  version: string,
): Promise<Omit<Packaged, 'stored'>> {
  const built = await archives(source, { project: project.name, version, type: project.type });
  built.tarGz.destroy();
  built.zip.destroy();
  return { coreCompatibility: built.coreCompatibility, composer: built.composer };
}

/**
 * Streams both archives of `source` to S3 while hashing them, under keys of this attempt
 * alone (recorded in `written` as they start, so the caller can remove them on failure).
 */
export async function packageSource(
  registry: Registry,
  project: ProjectRow,
  source: Checkout,
  version: string,
  fileBase: string,
  written: string[],
): Promise<Packaged> {
  const built = await archives(source, { project: project.name, version, type: project.type });
  const buildId = keys.newBuildId();
  const upload = (name: string, archiveType: StoredArchive['archiveType'], body: Readable) =>
    store(registry, keys.archive(project.name, version, buildId, name), name, archiveType, body, written);
  // Both settle before anything is cleaned up, so no upload outlives a failed attempt.
  const settled = await Promise.allSettled([
    upload(`${fileBase}.tar.gz`, 'tar.gz', built.tarGz),
    upload(`${fileBase}.zip`, 'zip', built.zip),
  ]);
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure) {
    built.tarGz.destroy();
    built.zip.destroy();
    throw failure.reason;
  }
  return {
    stored: settled.map((result) => (result as PromiseFulfilledResult<StoredArchive>).value),
    coreCompatibility: built.coreCompatibility,
    composer: built.composer,
  };
}

/** Uploads one archive while hashing exactly the bytes that go up. */
async function store(
  registry: Registry,
  key: string,
  name: string,
  archiveType: StoredArchive['archiveType'],
  body: Readable,
  written: string[],
): Promise<StoredArchive> {
  const { stream, digests } = digestingStream();
  written.push(key);
  await Promise.all([pipeline(body, stream), registry.storage.upload(key, name, stream)]);
  const stored = { name, archiveType, key, digests: await digests };
  registry.metrics.packaged(archiveType, stored.digests.size);
  return stored;
}

export function removeObjects(registry: Registry, written: string[]): Promise<unknown> {
  return Promise.all(written.map((key) => registry.storage.remove(key).catch(() => {})));
}

export function fileRows(releaseId: string, stored: StoredArchive[], buildId: string | null = null) {
  return stored.map(({ name, archiveType, key, digests }) => ({
    releaseId,
    buildId,
    name,
    archiveType,
    storageKey: key,
    ...digests,
  }));
}

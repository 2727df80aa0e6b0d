import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArchiveType, FileVariant } from '@packhouse/db';
import { digestingStream, lazily, tarGz, zip, type ArchivePlan } from '@packhouse/packager';
import { keys } from '@packhouse/storage';
import type { Registry } from '../context.ts';
import type { StoredArchive } from '../packaging.ts';

export interface StoredFile extends StoredArchive {
  variant: FileVariant;
}

export interface Plans {
  /** `-no-core`: the profile with its projects and libraries, top folder `{name}/`. */
  projects: ArchivePlan;
  /** `-core`: the installable site, top folder `{name}-{version}/`. */
  full: ArchivePlan;
}

/**
 * Archives both trees as tar.gz and zip (the same reproducible rules as single projects)
 * and uploads them with the bill of materials, hashing exactly the bytes stored, under
 * keys of this attempt (pushed to `written` before each upload starts).
 */
export async function storeOutputs(
  registry: Registry,
  release: { project: string; version: string },
  { projects, full }: Plans,
  sbom: string,
  written: string[],
): Promise<StoredFile[]> {
  const { project, version } = release;
  const base = `${project}-${version}`;
  const buildId = keys.newBuildId();
  const uploads: Array<[string, ArchiveType, FileVariant, () => Readable]> = [
    [`${base}-no-core.tar.gz`, 'tar.gz', 'projects', () => tarGz(projects)],
    [`${base}-no-core.zip`, 'zip', 'projects', () => zip(projects)],
    [`${base}-core.tar.gz`, 'tar.gz', 'full', () => tarGz(full)],
    [`${base}-core.zip`, 'zip', 'full', () => zip(full)],
    [`${base}.cdx.json`, 'cdx.json', 'sbom', () => Readable.from([Buffer.from(sbom, 'utf8')])],
  ];
  // One tree at a time, its tar.gz and zip side by side (as a single project is packaged):
  // four writers at once would not go faster on the thread pool, only hold more memory.
  const stored: StoredFile[] = [];
  for (const batch of [uploads.slice(0, 2), uploads.slice(2)]) {
    const settled = await Promise.allSettled(
      batch.map(([name, archiveType, variant, body]) =>
        store(
          registry,
          keys.archive(project, version, buildId, name),
          name,
          archiveType,
          variant,
          lazily(body),
          written,
        ),
      ),
    );
    const failure = settled.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    stored.push(...settled.map((result) => (result as PromiseFulfilledResult<StoredFile>).value));
  }
  return stored;
}

async function store(
  registry: Registry,
  key: string,
  name: string,
  archiveType: ArchiveType,
  variant: FileVariant,
  body: Readable,
  written: string[],
): Promise<StoredFile> {
  const { stream, digests } = digestingStream();
  written.push(key);
  try {
    await Promise.all([pipeline(body, stream), registry.storage.upload(key, name, stream)]);
  } catch (error) {
    body.destroy();
    throw error;
  }
  return { name, archiveType, variant, key, digests: await digests };
}

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  ComponentZip,
  listDirectory,
  listTarGz,
  SourceRefused,
  unpackTarGz,
  type TreeSource,
} from '@packhouse/packager';
import type { Registry } from '../context.ts';

export interface StoredFile {
  storageKey: string;
  sha256: string;
  name: string;
}

export interface StoredComponent {
  tarball: StoredFile;
  zip: StoredFile | null;
  /** The top folder of its archives (`views`, `drupal-10.2.1`). */
  top: string;
  /** Changes the unpacked component in place (its patches); absent when nothing changes it. */
  patch?: (dir: string) => Promise<void>;
}

/**
 * Brings a bundled Packhouse release into the attempt's folder `work` (with `archives/` and
 * `trees/` in it): its tarball and zip are copied out of storage, each sha256 checked against
 * the index before anything reads them. A component no patch touches is only listed (under
 * the unpacking rules): its files stay in the tarball and are streamed out of it when the
 * distribution is archived, so a core of 9,000 files costs no file on disk. A patched one
 * (or a tarball not sorted as Packhouse writes them) is unpacked, patched and listed on disk.
 * The zip's deflated entries are copied into the distribution's zips; it is pushed to `zips`
 * for the caller to close.
 */
export async function loadComponent(
  registry: Registry,
  work: string,
  component: StoredComponent,
  zips: ComponentZip[],
): Promise<TreeSource> {
  const { tarball, zip, top, patch } = component;
  const limits = registry.config.limits;
  const tarballFile = path.join(work, 'archives', tarball.name);
  const zipFile = zip && path.join(work, 'archives', zip.name);
  await Promise.all([
    copyVerified(registry, tarball, tarballFile),
    zip && zipFile ? copyVerified(registry, zip, zipFile) : null,
  ]);
  let source: TreeSource | null = null;
  if (!patch) {
    const listing = await listTarGz(tarballFile, { limits, strip: top });
    if (listing.sorted) source = { kind: 'tarball', file: tarballFile, entries: listing.entries, zip: null };
  }
  if (!source) {
    const dir = path.join(work, 'trees', tarball.name);
    await mkdir(dir);
    await unpackTarGz(createReadStream(tarballFile), dir, { limits, strip: top });
    await patch?.(dir);
    source = { kind: 'folder', entries: await listDirectory(dir, limits), zip: null };
  }
  if (zipFile) {
    source.zip = ComponentZip.open(zipFile, top);
    zips.push(source.zip);
  }
  return source;
}

/** Copies a published file out of storage to `to`, then checks its sha256 against the index. */
async function copyVerified(registry: Registry, file: StoredFile, to: string): Promise<void> {
  const object = await registry.storage.get(file.storageKey);
  if (!object) throw new Error(`${file.name} is missing from storage (${file.storageKey})`);
  const hash = createHash('sha256');
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  await pipeline(object.body, hashing, createWriteStream(to));
  const actual = hash.digest('hex');
  if (actual !== file.sha256) {
    throw new SourceRefused(
      'component_checksum_mismatch',
      `${file.name} read from storage has sha256 ${actual}, the index says ${file.sha256}`,
    );
  }
}

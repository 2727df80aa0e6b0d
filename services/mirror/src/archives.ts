import { createHash } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import type { Origin } from './origin.ts';
import type { OriginFile } from './protocol.ts';
import type { Store } from './store.ts';

/** The origin's bytes are not what its signed metadata says: never written under the final name. */
export class Mismatch extends Error {
  readonly name = 'Mismatch';
}

/** A verified archive is already there with other bytes: the mirror never overwrites it. */
export class Conflict extends Error {
  readonly name = 'Conflict';
}

/** Archives up to this size are verified in memory and written in one go; larger ones stream to a temporary file. */
const IN_MEMORY_LIMIT = 1 << 20;

/**
 * An archive whose bytes matched its signed size and sha256, not yet under its final name:
 * in memory, or (a large one) in a temporary file still open for its fsync.
 */
export type VerifiedArchive = { file: OriginFile; final: string; bytes: number } & (
  { kind: 'memory'; body: Buffer } | { kind: 'temporary'; temp: string; handle: FileHandle }
);

/**
 * Whether the archive is already mirrored (a resumed run): false when its final name is free,
 * true when it holds the expected bytes, a Conflict when it holds other bytes.
 */
export async function isMirrored(store: Store, file: OriginFile): Promise<boolean> {
  const final = store.archivePath(file.name);
  if (!store.exists(final)) return false;
  const existing = await store.digestOf(final);
  if (!existing) return false;
  if (existing.sha256 === file.sha256 && existing.size === file.size) return true;
  throw new Conflict(
    `${file.name} is mirrored with sha256 ${existing.sha256}; the origin now says ${file.sha256}. A ` +
      `verified archive is never overwritten.`,
  );
}

/**
 * Downloads one archive while hashing it and checks it against the signed size and sha256.
 * Nothing reaches the final name here: the caller hands the result to `commitArchive`, so that
 * a download slot is free again before the fsync.
 */
export async function downloadArchive(
  origin: Origin,
  store: Store,
  file: OriginFile,
  onBytes: (n: number) => void,
): Promise<VerifiedArchive> {
  const final = store.archivePath(file.name);
  const spill = file.size > IN_MEMORY_LIMIT ? await openTemporary(store) : null;
  const chunks: Buffer[] = [];
  const hash = createHash('sha256');
  let size = 0;
  try {
    const body = await origin.stream(`/files/projects/${encodeURIComponent(file.name)}`);
    for await (const chunk of body) {
      const bytes = chunk as Buffer;
      size += bytes.length;
      if (size > file.size) {
        body.destroy();
        throw new Mismatch(`${file.name}: the origin sent more than the ${file.size} bytes its metadata says`);
      }
      hash.update(bytes);
      if (spill) await spill.handle.write(bytes);
      else chunks.push(bytes);
      onBytes(bytes.length);
    }
    const sha256 = hash.digest('hex');
    if (size !== file.size)
      throw new Mismatch(`${file.name}: the origin sent ${size} bytes, its metadata says ${file.size}`);
    if (sha256 !== file.sha256)
      throw new Mismatch(
        `${file.name}: the origin sent bytes with sha256 ${sha256}, its signed metadata says ${file.sha256}`,
      );
  } catch (error) {
    if (spill) await discard(spill.temp, spill.handle);
    throw error;
  }
  return spill
    ? { kind: 'temporary', file, final, bytes: size, ...spill }
    : { kind: 'memory', file, final, bytes: size, body: Buffer.concat(chunks, size) };
}

/** Makes a verified archive durable under its final name: temporary file, fsync, rename. */
export async function commitArchive(store: Store, archive: VerifiedArchive): Promise<void> {
  if (archive.kind === 'memory') await store.commitBytes(archive.final, archive.body);
  else await store.commitFile(archive.temp, archive.handle, archive.final);
}

async function openTemporary(store: Store): Promise<{ temp: string; handle: FileHandle }> {
  const temp = store.tempPath();
  return { temp, handle: await open(temp, 'w', 0o644) };
}

async function discard(temp: string, handle: FileHandle): Promise<void> {
  await handle.close().catch(() => {});
  await rm(temp, { force: true });
}

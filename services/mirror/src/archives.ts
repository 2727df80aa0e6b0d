import { createHash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
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

export type ArchiveOutcome = { kind: 'present' } | { kind: 'downloaded'; bytes: number };

/**
 * Makes one archive present and verified under its final name. One that is already there
 * with the expected sha256 is not downloaded again (a resumed run); one there with other
 * bytes is a Conflict. Otherwise the body streams into a temporary file while it is hashed,
 * is fsynced, checked against size and sha256, and only then renamed into place.
 */
export async function ensureArchive(
  origin: Origin,
  store: Store,
  file: OriginFile,
  onBytes: (n: number) => void,
): Promise<ArchiveOutcome> {
  const final = store.archivePath(file.name);
  const existing = await store.digestOf(final);
  if (existing) {
    if (existing.sha256 === file.sha256 && existing.size === file.size) return { kind: 'present' };
    throw new Conflict(
      `${file.name} is mirrored with sha256 ${existing.sha256}; the origin now says ${file.sha256}. A ` +
        `verified archive is never overwritten.`,
    );
  }
  const temp = store.tempPath();
  const handle = await open(temp, 'w', 0o644);
  const hash = createHash('sha256');
  let size = 0;
  let closed = false;
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
      await handle.write(bytes);
      onBytes(bytes.length);
    }
    const sha256 = hash.digest('hex');
    if (size !== file.size)
      throw new Mismatch(`${file.name}: the origin sent ${size} bytes, its metadata says ${file.size}`);
    if (sha256 !== file.sha256)
      throw new Mismatch(
        `${file.name}: the origin sent bytes with sha256 ${sha256}, its signed metadata says ${file.sha256}`,
      );
    await handle.sync();
    await handle.close();
    closed = true;
    await store.commit(temp, final);
    return { kind: 'downloaded', bytes: size };
  } catch (error) {
    if (!closed) await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
}

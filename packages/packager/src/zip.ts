import { Readable } from 'node:stream';
import yazl from 'yazl';
import { BlobReader } from './blobs.ts';
import type { GitContext } from './git.ts';
import { linkTarget, renderInfo, type ArchivePlan } from './layout.ts';

/** Part of the reproducibility contract: changing it changes every archive's bytes. */
export const ZIP_LEVEL = 6;

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

/**
 * yazl computes the DOS date/time with the local-time getters (getHours...), so the bytes
 * would depend on the process TZ. This Date answers those getters in UTC; unlike shifting
 * by an offset it cannot be moved by a DST gap. The UT extra field yazl also writes is
 * already UTC seconds, so both encode the commit time whatever the machine.
 */
export class UtcWallClock extends Date {
  override getFullYear(): number {
    return this.getUTCFullYear();
  }
  override getMonth(): number {
    return this.getUTCMonth();
  }
  override getDate(): number {
    return this.getUTCDate();
  }
  override getHours(): number {
    return this.getUTCHours();
  }
  override getMinutes(): number {
    return this.getUTCMinutes();
  }
  override getSeconds(): number {
    return this.getUTCSeconds();
  }
}

/** Streams `plan` as a zip, symlinks stored as symlinks (S_IFLNK, target as content). */
export function zip(ctx: GitContext, plan: ArchivePlan): Readable {
  const zipfile = new yazl.ZipFile();
  const output = zipfile.outputStream as Readable;
  const reader = BlobReader.open(ctx, plan.blobOids);
  const fail = (error: Error) => output.destroy(error);
  zipfile.on('error', fail);
  output.on('close', () => reader.close());
  const mtime = new UtcWallClock(plan.checkout.commitTime * 1000);

  // yazl only queues metadata here; each file's data is pulled when its turn comes.
  for (const item of plan.items) {
    if (item.type === 'directory') {
      zipfile.addEmptyDirectory(item.name, { mtime, mode: S_IFDIR | item.mode });
    } else if (item.type === 'symlink') {
      zipfile.addBuffer(Buffer.from(linkTarget(item), 'utf8'), item.name, { mtime, mode: S_IFLNK | item.mode, compress: false });
    } else if (item.info) {
      zipfile.addReadStreamLazy(item.name, { mtime, mode: S_IFREG | item.mode, compressionLevel: ZIP_LEVEL }, (callback) => {
        renderInfo(reader, item, plan.stamp).then(
          (content) => callback(null, Readable.from([content])),
          (error: unknown) => callback(error, Readable.from([])),
        );
      });
    } else {
      const { oid, size } = item.entry!;
      zipfile.addReadStreamLazy(item.name, { mtime, mode: S_IFREG | item.mode, size, compressionLevel: ZIP_LEVEL }, (callback) => {
        // yazl pipes without listening for errors: a git failure must reach the output.
        const body = Readable.from(reader.blob(oid, size), { objectMode: false }).on('error', fail);
        callback(null, body);
      });
    }
  }
  zipfile.end();
  return output;
}

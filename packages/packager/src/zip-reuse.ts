import { closeSync, openSync, readSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import type { Deflated } from './deflate.ts';
import { SourceRefused } from './errors.ts';

const LOCAL_HEADER = 30;
const LOCAL_SIGNATURE = 0x04034b50;
const DEFLATE = 8;

interface Located {
  fd: number;
  localHeaderOffset: number;
  compressedSize: number;
  crc32: number;
  size: number;
}

/**
 * The deflated entries of zips Packhouse published (a distribution's components), by the
 * path each file now has on disk, so a new zip of those files copies their compressed bytes
 * instead of deflating them again. A file is reused only when its size and CRC-32 on disk
 * are the entry's: a patched file, or anything else that changed, is deflated as usual.
 */
export class ZipReuse {
  private readonly entries = new Map<string, Located>();
  private readonly fds: number[] = [];

  /**
   * Indexes `zipFile` (whose sha256 the caller has checked): entry `{top}/{path}` stands for
   * the file `place(path)`. Only deflated files are indexed; folders and links are rewritten.
   */
  async add(zipFile: string, top: string, place: (relative: string) => string): Promise<void> {
    const fd = openSync(zipFile, 'r');
    this.fds.push(fd);
    const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      yauzl.open(zipFile, { lazyEntries: true, autoClose: true }, (error, opened) =>
        error ? reject(error) : resolve(opened),
      ),
    );
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
        if (entry.compressionMethod === DEFLATE && mode === 0o100000 && entry.fileName.startsWith(`${top}/`)) {
          this.entries.set(place(entry.fileName.slice(top.length + 1)), {
            fd,
            localHeaderOffset: entry.relativeOffsetOfLocalHeader,
            compressedSize: entry.compressedSize,
            crc32: entry.crc32,
            size: entry.uncompressedSize,
          });
        }
        zip.readEntry();
      });
      zip.on('end', resolve);
      zip.on('error', reject);
      zip.readEntry();
    });
  }

  /** The deflated form of `file` (read whole, `content`), or null when it must be deflated anew. */
  deflated(file: string, content: Buffer): Deflated | null {
    const entry = this.entries.get(file);
    if (!entry || entry.size !== content.length || entry.crc32 !== crc32(content)) return null;
    const header = Buffer.alloc(LOCAL_HEADER);
    readSync(entry.fd, header, 0, LOCAL_HEADER, entry.localHeaderOffset);
    if (header.readUInt32LE(0) !== LOCAL_SIGNATURE)
      throw new SourceRefused('archive_invalid', `a component zip has no entry at ${entry.localHeaderOffset}`);
    const start = entry.localHeaderOffset + LOCAL_HEADER + header.readUInt16LE(26) + header.readUInt16LE(28);
    const data = Buffer.allocUnsafe(entry.compressedSize);
    if (readSync(entry.fd, data, 0, data.length, start) !== data.length)
      throw new SourceRefused('archive_invalid', 'a component zip ends inside an entry');
    return { data, crc32: entry.crc32, size: entry.size };
  }

  close(): void {
    for (const fd of this.fds.splice(0)) closeSync(fd);
  }
}

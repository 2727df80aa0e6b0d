import { createWriteStream } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import yauzl from 'yauzl';
import { EntryRules, type UnpackOptions } from './entry-rules.ts';
import { SourceRefused, quote } from './errors.ts';
import { LOCAL_SIGNATURE } from './zip-format.ts';

export type ArchiveKind = 'tar.gz' | 'zip';

const SMALL_FILE = 1024 * 1024;
/**
 * Inflated bytes per gunzip step. Each step is a trip through the thread pool, queued behind
 * whatever deflate work is there (a distribution's tar.gz keeps it busy): 16 KB steps made
 * reading a 60 MB core tarball wait seconds. 64 KB steps wait 4 times less often; 256 KB
 * ones were a little faster still, but left the worker's RSS 15 to 20 MB higher.
 */
export const GUNZIP_CHUNK = 64 * 1024;
const WRITES_IN_FLIGHT = 32;

/** What the first bytes of a download say it is; null for a plain file. */
export function sniffArchive(head: Buffer): ArchiveKind | null {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'tar.gz';
  if (head.readUInt32LE(0) === LOCAL_SIGNATURE) return 'zip';
  return null;
}

export type { UnpackOptions } from './entry-rules.ts';

/** What a walk over an archive's entries hands each entry to, once its name passed `rules`. */
export interface EntrySink {
  readonly rules: EntryRules;
  directory(relative: string, name: string): Promise<void>;
  /** Must read `content` to its end. */
  file(
    relative: string,
    name: string,
    size: number,
    executable: boolean,
    content: AsyncIterable<Buffer>,
  ): Promise<void>;
  link(relative: string, name: string, target: Buffer): void;
}

/**
 * Unpacks archives under the rules git sources follow (`EntryRules`). Symlinks are created
 * last, after every one of them is checked to stay inside the tree, so no entry can be
 * written through a link.
 */
class Unpacker implements EntrySink {
  readonly rules: EntryRules;
  /** Folders already made: 9,000 files need far fewer than 9,000 mkdir calls. */
  private readonly made = new Set<string>();
  /** Small files being written while the archive is read on: the thread pool works in parallel. */
  private readonly writing = new Set<Promise<void>>();
  private failure: unknown;

  constructor(
    private readonly dest: string,
    options: UnpackOptions,
  ) {
    this.rules = new EntryRules(options);
  }

  async directory(relative: string, name: string): Promise<void> {
    this.rules.directory(relative, name);
    await this.folder(path.join(this.dest, relative));
  }

  private async folder(absolute: string): Promise<void> {
    if (this.made.has(absolute)) return;
    await mkdir(absolute, { recursive: true });
    this.made.add(absolute);
  }

  async file(
    relative: string,
    name: string,
    size: number,
    executable: boolean,
    content: AsyncIterable<Buffer>,
  ): Promise<void> {
    this.rules.file(relative, name, size, executable);
    const target = path.join(this.dest, relative);
    await this.folder(path.dirname(target));
    const mode = executable ? 0o755 : 0o644;
    if (size <= SMALL_FILE) {
      // Most files are small: one write costs less than a stream per file.
      const chunks: Buffer[] = [];
      let read = 0;
      for await (const chunk of content) {
        read += chunk.length;
        if (read > size)
          throw new SourceRefused(
            'file_too_large',
            `file ${quote(relative)} holds more bytes than its header says`,
            relative,
          );
        chunks.push(chunk);
      }
      await this.write(target, Buffer.concat(chunks, read), mode);
      return;
    }
    let written = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        written += chunk.length;
        callback(
          written > size
            ? new SourceRefused(
                'file_too_large',
                `file ${quote(relative)} holds more bytes than its header says`,
                relative,
              )
            : null,
          chunk,
        );
      },
    });
    await pipeline(content, counted, createWriteStream(target, { flags: 'wx', mode }));
  }

  private async write(target: string, content: Buffer, mode: number): Promise<void> {
    if (this.failure) throw this.failure;
    const writing: Promise<void> = writeFile(target, content, { flag: 'wx', mode }).then(
      () => void this.writing.delete(writing),
      (error: unknown) => {
        this.writing.delete(writing);
        this.failure ??= error;
      },
    );
    this.writing.add(writing);
    if (this.writing.size >= WRITES_IN_FLIGHT) await Promise.race(this.writing);
  }

  /** Waits for every write; the first failure, if any, is the archive's. */
  async settle(): Promise<void> {
    await Promise.all(this.writing);
    if (this.failure) throw this.failure;
  }

  link(relative: string, name: string, target: Buffer): void {
    this.rules.link(relative, name, target);
  }

  async finish(): Promise<void> {
    await this.settle();
    this.rules.checkLinks();
    for (const entry of this.rules.entries) {
      if (entry.kind !== 'symlink') continue;
      // Its folder may have no entry of its own. A folder made for a later entry where the
      // link should be means the archive wrote through it: a conflict, never followed.
      await this.folder(path.dirname(path.join(this.dest, entry.path)));
      await symlink(entry.linkTarget!, path.join(this.dest, entry.path)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST' || error.code === 'ENOENT' || error.code === 'ENOTDIR') {
          throw new SourceRefused(
            'path_conflict',
            `symlink ${quote(entry.path)} collides with other entries`,
            entry.path,
          );
        }
        throw error;
      });
    }
  }
}

/** Unpacks a gzip'd tarball from a stream into `dest` (which must exist and be empty). */
export async function unpackTarGz(source: Readable, dest: string, options: UnpackOptions): Promise<void> {
  const unpacker = new Unpacker(dest, options);
  try {
    await readTarGz(source, unpacker);
  } finally {
    // No write may outlive a failed unpack (its folder is about to be removed).
    await unpacker.settle().catch(() => {});
  }
  await unpacker.finish();
}

/** Walks a gzip'd tarball entry by entry: each name checked by the sink's rules, then handed to it. */
export async function readTarGz(source: Readable, sink: EntrySink): Promise<void> {
  const extract = tar.extract();
  const feeding = pipeline(source, createGunzip({ chunkSize: GUNZIP_CHUNK }), extract);
  feeding.catch(() => {}); // surfaces through the iteration below
  for await (const entry of extract) {
    const { header } = entry;
    const relative = sink.rules.relative(Buffer.from(header.name, 'utf8'));
    if (header.type === 'directory') {
      if (relative !== null) await sink.directory(relative, header.name);
      entry.resume();
    } else if (relative === null) {
      throw new SourceRefused('archive_layout', `the archive's top entry ${quote(header.name)} is not a folder`);
    } else if (header.type === 'file' || header.type === 'contiguous-file') {
      await sink.file(
        relative,
        header.name,
        header.size ?? 0,
        ((header.mode ?? 0) & 0o111) !== 0,
        entry as AsyncIterable<Buffer>,
      );
    } else if (header.type === 'symlink') {
      sink.link(relative, header.name, Buffer.from(header.linkname ?? '', 'utf8'));
      entry.resume();
    } else {
      throw new SourceRefused(
        'mode_invalid',
        `entry ${quote(relative)} is a ${header.type}; only files, folders and symlinks are allowed`,
        relative,
      );
    }
  }
  await feeding;
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

/** Unpacks a zip file (zip needs random access: its directory is at the end) into `dest`. */
export async function unpackZip(file: string, dest: string, options: UnpackOptions): Promise<void> {
  const unpacker = new Unpacker(dest, options);
  // decodeStrings off: names stay bytes, checked (UTF-8, no traversal) by the same rules as git paths.
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(
      file,
      { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: true },
      (error, opened) => (error ? reject(refusal(error)) : resolve(opened)),
    ),
  );
  // One set of listeners for the whole walk: each readEntry() settles the next pending read.
  let pending: { resolve: (entry: yauzl.Entry | null) => void; reject: (error: Error) => void } | undefined;
  zip.on('entry', (entry: yauzl.Entry) => pending?.resolve(entry));
  zip.on('end', () => pending?.resolve(null));
  zip.on('error', (error: Error) => pending?.reject(refusal(error)));
  const nextEntry = () =>
    new Promise<yauzl.Entry | null>((resolve, reject) => {
      pending = { resolve, reject };
      zip.readEntry();
    });
  try {
    for (;;) {
      const entry = await nextEntry();
      if (entry === null) break;
      const raw = entry.fileName as unknown as Buffer;
      const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
      const isDirectory = raw[raw.length - 1] === 0x2f || (mode & S_IFMT) === S_IFDIR;
      const relative = unpacker.rules.relative(raw);
      if (relative === null) continue;
      if (isDirectory) {
        await unpacker.directory(relative, raw.toString('utf8'));
        continue;
      }
      const content = await new Promise<Readable>((resolve, reject) =>
        zip.openReadStream(entry, (error, stream) => (error ? reject(refusal(error)) : resolve(stream))),
      );
      if ((mode & S_IFMT) === S_IFLNK) {
        const chunks: Buffer[] = [];
        for await (const chunk of content) chunks.push(chunk as Buffer);
        unpacker.link(relative, raw.toString('utf8'), Buffer.concat(chunks));
      } else {
        await unpacker.file(relative, raw.toString('utf8'), entry.uncompressedSize, (mode & 0o111) !== 0, content);
      }
    }
  } finally {
    zip.close();
    await unpacker.settle().catch(() => {});
  }
  await unpacker.finish();
}

function refusal(error: Error): Error {
  return error instanceof SourceRefused
    ? error
    : new SourceRefused('archive_invalid', `the zip archive is not valid: ${error.message}`);
}

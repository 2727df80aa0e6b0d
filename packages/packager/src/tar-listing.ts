import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { EntryRules, type UnpackOptions } from './entry-rules.ts';
import { quote, SourceRefused } from './errors.ts';
import type { TreeEntry } from './types.ts';
import { GUNZIP_CHUNK, readTarGz, type EntrySink } from './unpack.ts';

/** What iterating tar-stream's extract yields: an entry's header and its content. */
type TarEntry = AsyncIterable<Buffer> & { header: tar.Header; resume(): void };

export interface TarListing {
  /** In archive order; each `oid` is the entry's name in the archive, to find it again. */
  entries: TreeEntry[];
  /**
   * Whether the entries come sorted bytewise by path, as Packhouse writes them: only then can
   * an archive of a bigger tree read this one's files in one pass (see `TarFiles`).
   */
  sorted: boolean;
}

/** Only lists: the content of each file is read past, its length checked by the tar reader. */
class Lister implements EntrySink {
  readonly rules: EntryRules;

  constructor(options: UnpackOptions) {
    this.rules = new EntryRules(options);
  }

  async directory(relative: string, name: string): Promise<void> {
    this.rules.directory(relative, name);
  }

  async file(
    relative: string,
    name: string,
    size: number,
    executable: boolean,
    content: AsyncIterable<Buffer>,
  ): Promise<void> {
    this.rules.file(relative, name, size, executable);
    // Read past, not kept: the tar reader checks the content has the length its header says.
    for await (const chunk of content) void chunk;
  }

  link(relative: string, name: string, target: Buffer): void {
    this.rules.link(relative, name, target);
  }
}

/**
 * Lists a gzip'd tarball on disk (its sha256 already checked by the caller) under exactly the
 * rules `unpackTarGz` applies, without writing a file: creating thousands of files is the
 * slowest thing a worker can do on some file systems, and the archives of a distribution can
 * be written from the component archives themselves.
 */
export async function listTarGz(file: string, options: UnpackOptions): Promise<TarListing> {
  const lister = new Lister(options);
  await readTarGz(createReadStream(file, { highWaterMark: GUNZIP_CHUNK }), lister);
  lister.rules.checkLinks();
  const entries = lister.rules.entries;
  let sorted = true;
  let previous: Buffer | null = null;
  for (const entry of entries) {
    const key = Buffer.from(entry.path, 'utf8');
    if (previous !== null && Buffer.compare(previous, key) >= 0) {
      sorted = false;
      break;
    }
    previous = key;
  }
  return { entries, sorted };
}

/**
 * Reads the files of a listed tarball in archive order, in one pass: each `content` call
 * skips ahead to the named entry. Asking for an entry already passed is an error, so callers
 * must ask in the listing's order (a sorted listing merged into a sorted tree keeps it).
 */
export class TarFiles {
  private readonly extract = tar.extract();
  private readonly entries: AsyncIterator<TarEntry>;
  private readonly feeding: Promise<void>;

  constructor(file: string) {
    this.feeding = pipeline(
      createReadStream(file, { highWaterMark: GUNZIP_CHUNK }),
      createGunzip({ chunkSize: GUNZIP_CHUNK }),
      this.extract,
    );
    this.feeding.catch(() => {}); // surfaces through the entries
    this.entries = (this.extract as unknown as AsyncIterable<TarEntry>)[Symbol.asyncIterator]();
  }

  /** The content of the entry named `name` (`size` bytes), which must lie ahead. */
  async *content(name: string, size: number): AsyncGenerator<Buffer> {
    for (;;) {
      const step = await this.entries.next();
      if (step.done) throw new Error(`tar entry ${quote(name)} was not found ahead of the last one read`);
      const entry = step.value;
      if (entry.header.name !== name) {
        entry.resume();
        continue;
      }
      if (entry.header.size !== size || (entry.header.type !== 'file' && entry.header.type !== 'contiguous-file')) {
        entry.resume();
        throw new SourceRefused('archive_invalid', `tar entry ${quote(name)} is not the file it was listed as`);
      }
      yield* entry;
      return;
    }
  }

  close(): void {
    this.extract.destroy();
  }
}

import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import type { ContentReader } from './blobs.ts';
import { deflate, deflateChunks, type Deflated } from './deflate.ts';
import { linkTarget, renderInfo, type ArchiveItem, type ArchivePlan } from './layout.ts';
import { dataDescriptor, localHeader, zipTime, ZipDirectory, type ZipEntry } from './zip-format.ts';

export { ZIP_LEVEL } from './deflate.ts';

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

/** Files up to this size are compressed whole, several at once; larger ones are streamed. */
const WHOLE_FILE_LIMIT = 4 * 1024 * 1024;
/**
 * How far compression may run ahead of the output, in entries and in bytes read: room for
 * every deflate thread to hold two full batches (see deflate-pool.ts) while the next fills.
 */
const AHEAD_ENTRIES = 1024;
const AHEAD_BYTES = 2 * 1024 * 1024;

type Prepared =
  | { item: ArchiveItem; kind: 'directory' }
  | { item: ArchiveItem; kind: 'whole'; method: 0 | 8; deflated: Deflated }
  | { item: ArchiveItem; kind: 'stream' };

/**
 * Streams `plan` as a zip. Entries are compressed on the deflate threads ahead of the output
 * (a window of whole small files, sent to the threads in batches), then written in plan
 * order; one zlib stream per file, one after another, would leave a core idle and cost
 * seconds on 9,000 files.
 */
export function zip(plan: ArchivePlan): Readable {
  return Readable.from(zipChunks(plan), { objectMode: false });
}

async function* zipChunks(plan: ArchivePlan): AsyncGenerator<Buffer> {
  const reader = plan.openReader();
  const time = zipTime(plan.mtime);
  const directory = new ZipDirectory(time);
  const output = new Coalescer();
  const ahead: Array<{ bytes: number; prepared: Promise<Prepared> }> = [];
  let aheadBytes = 0;
  let next = 0;
  // Blobs come out of one cat-file process, so reads are chained in plan order.
  let reads: Promise<unknown> = Promise.resolve();

  const fill = () => {
    while (next < plan.items.length && ahead.length < AHEAD_ENTRIES && aheadBytes < AHEAD_BYTES) {
      const item = plan.items[next]!;
      const streamed = item.type === 'file' && !item.info && item.entry!.size > WHOLE_FILE_LIMIT;
      // A streamed file is read while it is written: nothing may be read past it until then.
      if (streamed && ahead.length > 0) return;
      next += 1;
      const bytes = item.entry?.size ?? 0;
      const prepared = prepare(item, streamed);
      prepared.catch(() => {}); // awaited in order below
      ahead.push({ bytes, prepared });
      aheadBytes += bytes;
      if (streamed) return;
    }
  };

  const prepare = async (item: ArchiveItem, streamed: boolean): Promise<Prepared> => {
    if (item.type === 'directory') return { item, kind: 'directory' };
    if (streamed) return { item, kind: 'stream' };
    if (item.type === 'symlink')
      return { item, kind: 'whole', method: 0, deflated: stored(Buffer.from(linkTarget(item), 'utf8')) };
    const read = reads.then(() =>
      item.info ? renderInfo(reader, item, plan.stamp) : reader.readAll(item.entry!.oid, item.entry!.size),
    );
    reads = read.catch(() => {});
    const content = await read;
    const reused = item.info ? null : (reader.deflated?.(item.entry!.oid, content) ?? null);
    return { item, kind: 'whole', method: 8, deflated: reused ?? (await deflate(content)) };
  };

  try {
    fill();
    while (ahead.length > 0) {
      const head = ahead.shift()!;
      aheadBytes -= head.bytes;
      const prepared = await head.prepared;
      if (prepared.kind !== 'stream') fill();
      for await (const piece of write(prepared, reader, directory, time)) yield* output.add(piece);
      fill();
    }
    const rest = output.take();
    if (rest) yield rest;
    yield directory.end();
  } finally {
    reader.close();
  }
}

async function* write(
  prepared: Prepared,
  reader: ContentReader,
  directory: ZipDirectory,
  time: ReturnType<typeof zipTime>,
): AsyncGenerator<Buffer> {
  const { item } = prepared;
  // The directory keeps every name to the end: a pooled Buffer would pin its whole 8 KB slab
  // (with whatever else was cut from it) per entry, hundreds of MB over 9,000 files.
  const name = unpooled(Buffer.from(item.name, 'utf8'));
  const offset = directory.offset;
  if (prepared.kind === 'stream') {
    const { oid, size } = item.entry!;
    const entry: ZipEntry = {
      name,
      mode: S_IFREG | item.mode,
      method: 8,
      crc32: 0,
      compressedSize: 0,
      size,
      streamed: true,
      offset,
    };
    const header = localHeader(entry, time);
    directory.advance(header.length);
    yield header;
    const chunks = deflateChunks(reader.blob(oid, size));
    let step = await chunks.next();
    while (!step.done) {
      directory.advance(step.value.length);
      yield step.value;
      step = await chunks.next();
    }
    Object.assign(entry, step.value);
    const descriptor = dataDescriptor(entry);
    directory.add(entry, descriptor.length);
    yield descriptor;
    return;
  }
  const isDirectory = prepared.kind === 'directory';
  const data = isDirectory ? Buffer.alloc(0) : prepared.deflated.data;
  const entry: ZipEntry = {
    name,
    mode: (isDirectory ? S_IFDIR : item.type === 'symlink' ? S_IFLNK : S_IFREG) | item.mode,
    method: isDirectory ? 0 : prepared.method,
    crc32: isDirectory ? 0 : prepared.deflated.crc32,
    compressedSize: data.length,
    size: isDirectory ? 0 : prepared.deflated.size,
    streamed: false,
    offset,
  };
  const header = localHeader(entry, time);
  directory.add(entry, header.length + data.length);
  yield header;
  yield data;
}

/** Output pieces reach the digests and the upload in chunks of at least this much. */
const OUTPUT_CHUNK_BYTES = 64 * 1024;

/**
 * Joins the headers and data of small entries into chunks of OUTPUT_CHUNK_BYTES: passed on
 * one by one, 9,000 entries were 18,000 chunks, each taking its turn through every stream
 * after this one (the archive stream, the four hashes, the upload).
 */
class Coalescer {
  private parts: Buffer[] = [];
  private bytes = 0;

  /** Takes `piece`; gives the chunks to pass on once there is enough. A large piece is not copied. */
  *add(piece: Buffer): Generator<Buffer> {
    if (piece.length >= OUTPUT_CHUNK_BYTES) {
      const held = this.take();
      if (held) yield held;
      yield piece;
      return;
    }
    if (piece.length === 0) return;
    this.parts.push(piece);
    this.bytes += piece.length;
    if (this.bytes >= OUTPUT_CHUNK_BYTES) yield this.take()!;
  }

  /** What is held, as one chunk (undefined when nothing is). */
  take(): Buffer | undefined {
    if (this.bytes === 0) return undefined;
    const chunk = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.bytes);
    this.parts = [];
    this.bytes = 0;
    return chunk;
  }
}

/** A symlink target is stored, not deflated; only its CRC-32 is needed. */
function stored(content: Buffer): Deflated {
  return { data: content, crc32: crc32(content), size: content.length };
}

function unpooled(bytes: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(copy);
  return copy;
}

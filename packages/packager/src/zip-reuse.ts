import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { Deflated } from './deflate.ts';
import { SourceRefused } from './errors.ts';
import {
  CENTRAL_HEADER,
  CENTRAL_SIGNATURE,
  END_RECORD,
  END_SIGNATURE,
  LOCAL_HEADER,
  LOCAL_SIGNATURE,
  UTF8_NAMES,
} from './zip-format.ts';

const ENCRYPTED = 0x0001;
const DEFLATE = 8;
const REGULAR_FILE = 0o100000;
/** Entries are copied in the zip's own order: one read of this many bytes serves dozens of them. */
const READ_WINDOW = 64 * 1024;

interface Located {
  localHeaderOffset: number;
  compressedSize: number;
  crc32: number;
  size: number;
}

/**
 * The deflated entries of one zip Packhouse published (a distribution's component), by the
 * path each file has inside the component, so a new zip of those files copies their
 * compressed bytes instead of deflating them again. A file is reused only when its size and
 * CRC-32 are the entry's: a patched file, or anything else that changed, is deflated as usual.
 */
export class ComponentZip {
  private constructor(
    private readonly fd: number,
    private readonly entries: ReadonlyMap<string, Located>,
  ) {}

  /** Bytes of the zip read last: the next entries asked for are usually in it. */
  private window: { start: number; bytes: Buffer } | null = null;

  /**
   * Indexes `zipFile` (whose sha256 the caller has checked): entry `{top}/{path}` stands for
   * the component's file `path`. Only deflated files are indexed; folders and links are
   * rewritten. The central directory is read in one piece (a zip reader reading it entry by
   * entry makes 18,000 trips through the thread pool for a core).
   */
  static open(zipFile: string, top: string): ComponentZip {
    const fd = openSync(zipFile, 'r');
    try {
      return new ComponentZip(fd, indexEntries(fd, fstatSync(fd).size, `${top}/`));
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** The deflated form of the component's file `relative` (read whole, `content`), or null when it must be deflated anew. */
  deflated(relative: string, content: Buffer): Deflated | null {
    const entry = this.entries.get(relative);
    if (!entry || entry.size !== content.length || entry.crc32 !== crc32(content)) return null;
    const header = this.read(entry.localHeaderOffset, LOCAL_HEADER);
    if (header.readUInt32LE(0) !== LOCAL_SIGNATURE)
      throw new SourceRefused('archive_invalid', `a component zip has no entry at ${entry.localHeaderOffset}`);
    const start = entry.localHeaderOffset + LOCAL_HEADER + header.readUInt16LE(26) + header.readUInt16LE(28);
    return { data: this.read(start, entry.compressedSize), crc32: entry.crc32, size: entry.size };
  }

  private read(position: number, length: number): Buffer {
    const window = this.window;
    if (window && position >= window.start && position + length <= window.start + window.bytes.length)
      return window.bytes.subarray(position - window.start, position - window.start + length);
    const bytes = Buffer.allocUnsafe(Math.max(length, READ_WINDOW));
    const read = readSync(this.fd, bytes, 0, bytes.length, position);
    if (read < length) throw new SourceRefused('archive_invalid', 'a component zip ends inside an entry');
    this.window = { start: position, bytes: bytes.subarray(0, read) };
    return bytes.subarray(0, length);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** The reusable entries under `prefix`, from the zip's central directory. */
function indexEntries(fd: number, size: number, prefix: string): Map<string, Located> {
  const invalid = (why: string) => new SourceRefused('archive_invalid', `a component zip ${why}`);
  // The end record closes the file, unless a comment (at most 65,535 bytes) follows it.
  const tail = Buffer.alloc(Math.min(size, END_RECORD + 0xffff));
  readSync(fd, tail, 0, tail.length, size - tail.length);
  let end = -1;
  for (let at = tail.length - END_RECORD; at >= 0 && end < 0; at--) {
    if (tail.readUInt32LE(at) === END_SIGNATURE && at + END_RECORD + tail.readUInt16LE(at + 20) === tail.length)
      end = at;
  }
  if (end < 0) throw invalid('has no end of central directory record');
  const count = tail.readUInt16LE(end + 10);
  const length = tail.readUInt32LE(end + 12);
  const offset = tail.readUInt32LE(end + 16);
  const entries = new Map<string, Located>();
  // zip64, which Packhouse never writes: nothing is reused, every file is deflated anew.
  if (count === 0xffff || length === 0xffffffff || offset === 0xffffffff) return entries;
  if (offset + length > size) throw invalid('has its central directory past its end');
  const central = Buffer.alloc(length);
  if (readSync(fd, central, 0, length, offset) !== length) throw invalid('ends inside its central directory');
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_HEADER > length || central.readUInt32LE(at) !== CENTRAL_SIGNATURE)
      throw invalid('has a broken central directory');
    const flags = central.readUInt16LE(at + 8);
    const method = central.readUInt16LE(at + 10);
    const nameLength = central.readUInt16LE(at + 28);
    const mode = (central.readUInt32LE(at + 38) >>> 16) & 0o170000;
    const name = central.subarray(at + CENTRAL_HEADER, at + CENTRAL_HEADER + nameLength);
    const located: Located = {
      crc32: central.readUInt32LE(at + 16),
      compressedSize: central.readUInt32LE(at + 20),
      size: central.readUInt32LE(at + 24),
      localHeaderOffset: central.readUInt32LE(at + 42),
    };
    at += CENTRAL_HEADER + nameLength + central.readUInt16LE(at + 30) + central.readUInt16LE(at + 32);
    // A name not flagged UTF-8 reads the same only when it is ASCII.
    const utf8 = (flags & UTF8_NAMES) !== 0 || !name.some((byte) => byte >= 0x80);
    if (!utf8 || flags & ENCRYPTED || method !== DEFLATE || mode !== REGULAR_FILE) continue;
    const path = name.toString('utf8');
    if (path.startsWith(prefix)) entries.set(path.slice(prefix.length), located);
  }
  return entries;
}

/**
 * The bytes of a zip file (PKWARE APPNOTE): local headers, data descriptors, central
 * directory and its end record. No zip64: the source limits keep every archive far below
 * 4 GiB and 65,535 entries, and `ZipDirectory` refuses to go past either.
 */
/** The zip records' signatures and fixed sizes (APPNOTE 4.3), for the writer here and `zip-reuse.ts`. */
export const LOCAL_SIGNATURE = 0x04034b50;
export const LOCAL_HEADER = 30;
export const CENTRAL_SIGNATURE = 0x02014b50;
export const CENTRAL_HEADER = 46;
export const END_SIGNATURE = 0x06054b50;
export const END_RECORD = 22;
export const UTF8_NAMES = 0x0800;
const DATA_DESCRIPTOR = 0x0008;
const MADE_BY_UNIX = 0x031e; // Unix, spec 3.0: what Info-ZIP writes, so modes are honoured.
const NEEDED = 20;
const MAX_U32 = 0xffffffff;

export interface ZipEntry {
  name: Buffer;
  /** Full st_mode: file type and permission bits. */
  mode: number;
  method: 0 | 8;
  crc32: number;
  compressedSize: number;
  size: number;
  /** Sizes and CRC follow the data in a descriptor (streamed entries). */
  streamed: boolean;
  offset: number;
}

export interface ZipTime {
  dosTime: number;
  dosDate: number;
  unix: number;
}

/** DOS time fields from UTC, never local time, so the bytes do not depend on TZ. */
export function zipTime(unixSeconds: number): ZipTime {
  const date = new Date(Math.max(unixSeconds, 315_532_800) * 1000); // DOS dates start in 1980
  return {
    dosTime: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | (date.getUTCSeconds() >> 1),
    dosDate: ((date.getUTCFullYear() - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
    unix: unixSeconds,
  };
}

/** Info-ZIP's extended timestamp (0x5455): the exact UTC mtime, as unzip and tar read it. */
function timestampField(time: ZipTime): Buffer {
  const field = Buffer.alloc(9);
  field.writeUInt16LE(0x5455, 0);
  field.writeUInt16LE(5, 2);
  field.writeUInt8(1, 4);
  field.writeUInt32LE(time.unix >>> 0, 5);
  return field;
}

function flags(entry: ZipEntry): number {
  return UTF8_NAMES | (entry.streamed ? DATA_DESCRIPTOR : 0);
}

export function localHeader(entry: ZipEntry, time: ZipTime): Buffer {
  const extra = timestampField(time);
  const header = Buffer.alloc(LOCAL_HEADER);
  header.writeUInt32LE(LOCAL_SIGNATURE, 0);
  header.writeUInt16LE(NEEDED, 4);
  header.writeUInt16LE(flags(entry), 6);
  header.writeUInt16LE(entry.method, 8);
  header.writeUInt16LE(time.dosTime, 10);
  header.writeUInt16LE(time.dosDate, 12);
  header.writeUInt32LE(entry.streamed ? 0 : entry.crc32, 14);
  header.writeUInt32LE(entry.streamed ? 0 : entry.compressedSize, 18);
  header.writeUInt32LE(entry.streamed ? 0 : entry.size, 22);
  header.writeUInt16LE(entry.name.length, 26);
  header.writeUInt16LE(extra.length, 28);
  return Buffer.concat([header, entry.name, extra]);
}

export function dataDescriptor(entry: ZipEntry): Buffer {
  const descriptor = Buffer.alloc(16);
  descriptor.writeUInt32LE(0x08074b50, 0);
  descriptor.writeUInt32LE(entry.crc32, 4);
  descriptor.writeUInt32LE(entry.compressedSize, 8);
  descriptor.writeUInt32LE(entry.size, 12);
  return descriptor;
}

function centralHeader(entry: ZipEntry, time: ZipTime): Buffer {
  const extra = timestampField(time);
  const header = Buffer.alloc(CENTRAL_HEADER);
  header.writeUInt32LE(CENTRAL_SIGNATURE, 0);
  header.writeUInt16LE(MADE_BY_UNIX, 4);
  header.writeUInt16LE(NEEDED, 6);
  header.writeUInt16LE(flags(entry), 8);
  header.writeUInt16LE(entry.method, 10);
  header.writeUInt16LE(time.dosTime, 12);
  header.writeUInt16LE(time.dosDate, 14);
  header.writeUInt32LE(entry.crc32, 16);
  header.writeUInt32LE(entry.compressedSize, 20);
  header.writeUInt32LE(entry.size, 24);
  header.writeUInt16LE(entry.name.length, 28);
  header.writeUInt16LE(extra.length, 30);
  // comment length, disk number, internal attributes: 0
  const isDirectory = (entry.mode & 0o170000) === 0o040000;
  header.writeUInt32LE((((entry.mode & 0xffff) << 16) | (isDirectory ? 0x10 : 0)) >>> 0, 38);
  header.writeUInt32LE(entry.offset, 42);
  return Buffer.concat([header, entry.name, extra]);
}

/** Collects entries as they are written and renders the central directory at the end. */
export class ZipDirectory {
  private readonly entries: ZipEntry[] = [];
  offset = 0;

  constructor(private readonly time: ZipTime) {}

  add(entry: ZipEntry, written: number): void {
    if (this.entries.length >= 0xffff)
      throw new Error('zip: more than 65,535 entries needs zip64, which is not written');
    // Kept until the end: a name of its own, not a slice of Buffer's shared 8 KB pool, or each
    // name would keep alive the slab it was cut from (hundreds of MB over 9,000 entries).
    const name = Buffer.alloc(entry.name.length);
    entry.name.copy(name);
    this.entries.push({ ...entry, name });
    this.advance(written);
  }

  advance(bytes: number): void {
    this.offset += bytes;
    if (this.offset >= MAX_U32) throw new Error('zip: archive larger than 4 GiB needs zip64, which is not written');
  }

  end(): Buffer {
    const central = Buffer.concat(this.entries.map((entry) => centralHeader(entry, this.time)));
    const record = Buffer.alloc(END_RECORD);
    record.writeUInt32LE(END_SIGNATURE, 0);
    record.writeUInt16LE(this.entries.length, 8);
    record.writeUInt16LE(this.entries.length, 10);
    record.writeUInt32LE(central.length, 12);
    record.writeUInt32LE(this.offset, 16);
    return Buffer.concat([central, record]);
  }
}

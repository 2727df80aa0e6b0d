import { once } from 'node:events';
import { createGzip, gzip } from 'node:zlib';

/** Part of the reproducibility contract: changing it changes every archive's bytes. */
export const ZIP_LEVEL = 6;

const GZIP_HEADER = 10;
const GZIP_TRAILER = 8;

export interface Deflated {
  data: Buffer;
  crc32: number;
  size: number;
}

/**
 * Raw deflate data and CRC-32 in one pass on the thread pool: a gzip member is a 10-byte
 * header (no name, no extra), the raw deflate stream, then CRC-32 and length. Taking the
 * CRC from there spares a second pass over every file on the main thread (zlib.crc32).
 */
export function deflate(content: Buffer): Promise<Deflated> {
  return new Promise((resolve, reject) => {
    // zlib's default 16 KB output buffer per call is 144 MB of garbage over 9,000 small
    // files; one sized to the file is enough (a larger output just takes more chunks).
    const chunkSize = Math.max(1024, Math.min(16 * 1024, content.length + 64));
    gzip(content, { level: ZIP_LEVEL, chunkSize }, (error, member) => {
      if (error) return reject(error);
      resolve({
        data: member.subarray(GZIP_HEADER, member.length - GZIP_TRAILER),
        crc32: member.readUInt32LE(member.length - GZIP_TRAILER),
        size: content.length,
      });
    });
  });
}

/**
 * The streaming form, for files too large to hold: yields raw deflate data and returns the
 * CRC-32 and compressed size once the source is exhausted.
 */
export async function* deflateChunks(
  source: AsyncIterable<Buffer>,
): AsyncGenerator<Buffer, { crc32: number; compressedSize: number }> {
  const gz = createGzip({ level: ZIP_LEVEL });
  const feeding = (async () => {
    for await (const chunk of source) if (!gz.write(chunk)) await once(gz, 'drain');
    gz.end();
  })();
  feeding.catch((error: Error) => gz.destroy(error));
  let skipped = 0;
  let held: Buffer = Buffer.alloc(0);
  let compressedSize = 0;
  for await (let chunk of gz as AsyncIterable<Buffer>) {
    if (skipped < GZIP_HEADER) {
      const skip = Math.min(GZIP_HEADER - skipped, chunk.length);
      skipped += skip;
      chunk = chunk.subarray(skip);
    }
    // Hold back the last 8 bytes seen: they may be the trailer.
    const joined = held.length > 0 ? Buffer.concat([held, chunk]) : chunk;
    const out = joined.subarray(0, Math.max(0, joined.length - GZIP_TRAILER));
    held = joined.subarray(out.length);
    compressedSize += out.length;
    if (out.length > 0) yield out;
  }
  await feeding;
  if (held.length !== GZIP_TRAILER) throw new Error('gzip member ended without its trailer');
  return { crc32: held.readUInt32LE(0), compressedSize };
}

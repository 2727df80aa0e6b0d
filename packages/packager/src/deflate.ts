import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { createGzip } from 'node:zlib';
import { DeflatePool, type Deflated } from './deflate-pool.ts';

export type { Deflated } from './deflate-pool.ts';

/**
 * Part of the reproducibility contract: changing it changes every zip's bytes. Each zip entry
 * is its own deflate stream, mostly of a small file, where zlib's deeper searches find little:
 * on the core-sized corpus level 4 gives 0.4% more deflated bytes than 6 (22.06 against
 * 21.98 MB; the zip stays within 0.5% of `zip -9`) for about 30% less CPU (0.69 against
 * 0.94 s). The tar.gz, one stream with matches across files, keeps level 6 (tar.ts).
 */
export const ZIP_LEVEL = 4;

const GZIP_HEADER = 10;
const GZIP_TRAILER = 8;
/**
 * Deflate threads: one per core but one, which the main thread (reading git, hashing, writing
 * the archives) and the tar.gz's zlib thread pool keep busy; on two cores a second thread was
 * measured to add memory (~15 MB) and no speed. More than four would cost memory for little.
 */
const THREADS = Math.max(1, Math.min(availableParallelism() - 1, 4));

let pool: DeflatePool | undefined;

/**
 * Raw deflate data and CRC-32 of a whole file, computed on the process's deflate threads
 * (created on first use), batched with the other files handed in meanwhile.
 */
export function deflate(content: Buffer): Promise<Deflated> {
  pool ??= new DeflatePool({ level: ZIP_LEVEL, threads: THREADS });
  return pool.deflate(content);
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

import { Transform } from 'node:stream';
import { constants, crc32, createDeflateRaw } from 'node:zlib';

/** Part of the reproducibility contract: changing either changes every tar.gz's bytes. */
export const BLOCK_BYTES = 128 * 1024;
const DICTIONARY_BYTES = 32 * 1024;
/** Blocks being deflated on the thread pool at once (libuv runs 4 threads by default). */
const IN_FLIGHT = 4;
/** Room in a deflate stream's output buffer: a block's output (about 40 KB) in one or two pieces. */
const OUTPUT_CHUNK_BYTES = 64 * 1024;

// mtime 0, no name, extra flags 0, OS 3 (Unix): nothing about the packaging machine.
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

/**
 * A gzip stream deflated in parallel, as pigz does: the input is cut into fixed-size blocks,
 * each deflated on its own on the thread pool with the previous 32 KB as its dictionary and
 * ended with a sync flush (byte-aligned, not final), so the pieces concatenate into one
 * valid deflate stream; the last block finishes it. The cuts depend only on the byte
 * offsets, never on how the input was chunked or on timing, so the output is deterministic.
 * The CRC-32 rides along on the main thread as the blocks arrive (a few ms for 50 MB).
 *
 * Blocks are filled in IN_FLIGHT buffers used in turn, and each block's deflate output is
 * passed on in the pieces zlib wrote it in: a fresh buffer per block and a joined copy of
 * its output would be about 100 MB of short-lived buffers per core release, and V8 starts a
 * full garbage collection for every 64 MB or so of those.
 */
export function parallelGzip(level: number): Transform {
  const pending: Promise<Buffer[]>[] = [];
  // Block i is filled in ring[i % IN_FLIGHT]. While it fills, at most IN_FLIGHT - 1 earlier
  // blocks are pending (see `emit` below), so the block that used this buffer before is
  // deflated; the previous block, the dictionary of this one, sits in another buffer.
  const ring: Buffer[] = [];
  let blocks = 0;
  let current: Buffer | undefined;
  let filled = 0;
  let previous: Buffer | undefined;
  let crc = 0;
  let length = 0;
  let headerSent = false;

  const start = (block: Buffer, last: boolean) => {
    crc = crc32(block, crc);
    length = (length + block.length) % 2 ** 32;
    const dictionary =
      previous && previous.length > DICTIONARY_BYTES ? previous.subarray(previous.length - DICTIONARY_BYTES) : previous;
    previous = block;
    blocks += 1;
    current = undefined;
    filled = 0;
    // zlib copies the dictionary when the stream is created, and reads the block until 'end'.
    const deflater = createDeflateRaw({
      level,
      chunkSize: OUTPUT_CHUNK_BYTES,
      finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
      ...(dictionary ? { dictionary } : {}),
    });
    const deflated = new Promise<Buffer[]>((resolve, reject) => {
      const out: Buffer[] = [];
      deflater.on('data', (piece: Buffer) => out.push(piece));
      deflater.on('end', () => resolve(out));
      deflater.on('error', reject);
    });
    deflated.catch(() => {}); // awaited in order
    pending.push(deflated);
    deflater.end(block);
  };

  const emit = async (stream: Transform, keep: number) => {
    while (pending.length > keep) {
      const pieces = await pending.shift()!;
      if (!headerSent) {
        stream.push(HEADER);
        headerSent = true;
      }
      for (const piece of pieces) stream.push(piece);
    }
  };

  const buffer = (): Buffer => {
    const index = blocks % IN_FLIGHT;
    ring[index] ??= Buffer.allocUnsafeSlow(BLOCK_BYTES);
    return ring[index];
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      (async () => {
        let offset = 0;
        while (offset < chunk.length) {
          current ??= buffer();
          const copied = chunk.copy(current, filled, offset, Math.min(chunk.length, offset + BLOCK_BYTES - filled));
          filled += copied;
          offset += copied;
          if (filled === BLOCK_BYTES) {
            start(current, false);
            await emit(this, IN_FLIGHT - 1);
          }
        }
      })().then(() => callback(), callback);
    },
    flush(callback) {
      (async () => {
        start((current ?? buffer()).subarray(0, filled), true);
        await emit(this, 0);
        const trailer = Buffer.alloc(8);
        trailer.writeUInt32LE(crc >>> 0, 0);
        trailer.writeUInt32LE(length, 4);
        this.push(trailer);
      })().then(() => callback(), callback);
    },
  });
}

import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { constants, crc32, deflateRawSync, gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BLOCK_BYTES, parallelGzip } from '../src/parallel-gzip.ts';

async function gzipped(data: Buffer, chunkBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunkBytes) chunks.push(data.subarray(i, i + chunkBytes));
  const out: Buffer[] = [];
  for await (const chunk of Readable.from(chunks).pipe(parallelGzip(6))) out.push(chunk as Buffer);
  return Buffer.concat(out);
}

// Text-like content with repeats across block boundaries, plus an incompressible stretch.
function sample(bytes: number): Buffer {
  const words = 'function return public static array entity field node render cache '.split(' ');
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const text = Buffer.from(
    Array.from({ length: bytes / 6 }, () => words[Math.floor(random() * words.length)]).join(' '),
  ).subarray(0, bytes);
  for (let i = bytes / 2; i < bytes / 2 + 50_000; i++) text[i] = Math.floor(random() * 256);
  return text;
}

describe('parallelGzip', () => {
  it('gives the same bytes however the input is chunked, and gunzip and gzip -t accept them', async () => {
    const data = sample(5 * BLOCK_BYTES + 12_345);
    const whole = await gzipped(data, data.length);
    expect((await gzipped(data, 1000)).equals(whole)).toBe(true);
    expect((await gzipped(data, BLOCK_BYTES)).equals(whole)).toBe(true);
    expect(gunzipSync(whole).equals(data)).toBe(true);
    execFileSync('gzip', ['-t'], { input: whole });
    // Unix OS byte, no mtime: nothing about the packaging machine or time.
    expect([...whole.subarray(4, 10)]).toEqual([0, 0, 0, 0, 0, 3]);
  });

  it('costs under 2% over one single-threaded gzip stream at the same level', async () => {
    const data = sample(8 * BLOCK_BYTES);
    const parallel = await gzipped(data, 65_536);
    expect(parallel.length / gzipSync(data, { level: 6 }).length).toBeLessThan(1.02);
  });

  it('writes exactly the blocks the format defines, however slowly its output is read', async () => {
    // Many more blocks than are deflated at once, so the fill buffers are reused many times;
    // a buffer reused too early would corrupt the block or the next one's dictionary.
    const data = sample(13 * BLOCK_BYTES + 777);
    const pieces: Buffer[] = [];
    for (let at = 0, previous: Buffer | undefined; at < data.length; at += BLOCK_BYTES) {
      const block = data.subarray(at, at + BLOCK_BYTES);
      const last = at + BLOCK_BYTES >= data.length;
      const dictionary = previous?.subarray(Math.max(0, previous.length - 32 * 1024));
      pieces.push(
        deflateRawSync(block, {
          level: 6,
          finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
          ...(dictionary ? { dictionary } : {}),
        }),
      );
      previous = block;
    }
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc32(data), 0);
    trailer.writeUInt32LE(data.length, 4);
    const expected = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), ...pieces, trailer]);

    const gzip = Readable.from(
      Array.from({ length: Math.ceil(data.length / 50_000) }, (_, i) => data.subarray(i * 50_000, (i + 1) * 50_000)),
    ).pipe(parallelGzip(6));
    const out: Buffer[] = [];
    for await (const chunk of gzip) {
      out.push(chunk as Buffer);
      await new Promise((resolve) => setTimeout(resolve, 2)); // a slow reader: backpressure
    }
    expect(Buffer.concat(out).equals(expected)).toBe(true);
  });

  it('handles empty input and an exact multiple of the block size', async () => {
    expect(gunzipSync(await gzipped(Buffer.alloc(0), 1)).length).toBe(0);
    const data = sample(2 * BLOCK_BYTES);
    expect(gunzipSync(await gzipped(data, 4096)).equals(data)).toBe(true);
  });
});

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { crc32, gzipSync, inflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DeflatePool } from '../src/deflate-pool.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** What the zip writer stored before the threads: the body of a gzip member at level 6. */
function gzipBody(content: Buffer): Buffer {
  const member = gzipSync(content, { level: 6 });
  return member.subarray(10, member.length - 8);
}

function text(bytes: number, seed: number): Buffer {
  const words = 'function return public static array entity field node render cache '.split(' ');
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return (
    Buffer.from(Array.from({ length: bytes / 5 }, () => words[Math.floor(random() * words.length)]).join(' '))
      // A slice of a larger buffer, as files read from git are: it must be copied, not taken.
      .subarray(0, bytes)
  );
}

describe('DeflatePool', () => {
  const pools: DeflatePool[] = [];
  const pool = (options: ConstructorParameters<typeof DeflatePool>[0]) => {
    const created = new DeflatePool(options);
    pools.push(created);
    return created;
  };
  afterAll(async () => {
    await Promise.all(pools.map((created) => created.close()));
  });

  it('gives the bytes and CRC-32 of a level-6 gzip member, for files handed in together or apart', async () => {
    const files = [
      Buffer.alloc(0),
      Buffer.from('hello\n'), // from Buffer's shared pool
      text(5_000, 1),
      randomBytes(70_000), // incompressible: output larger than input
      text(600_000, 2), // above a batch's size on its own
      ...Array.from({ length: 600 }, (_, index) => text(100 + index * 7, index + 3)), // more than one batch
    ];
    const copies = files.map((file) => Buffer.from(file));
    const deflater = pool({ level: 6, threads: 2 });

    const together = await Promise.all(files.map((file) => deflater.deflate(file)));
    const apart = [];
    for (const file of files.slice(0, 8)) apart.push(await deflater.deflate(file));

    for (const [index, file] of files.entries()) {
      const deflated = together[index]!;
      expect(deflated.data.equals(gzipBody(file))).toBe(true);
      expect(deflated.crc32).toBe(crc32(file));
      expect(deflated.size).toBe(file.length);
      expect(inflateRawSync(deflated.data).equals(file)).toBe(true);
      // The caller's buffers are left as they were (not detached by a transfer).
      expect(file.equals(copies[index]!)).toBe(true);
    }
    for (const [index, deflated] of apart.entries()) expect(deflated.data.equals(together[index]!.data)).toBe(true);
  });

  it('fails the files of a batch whose deflate fails, with the reason, and goes on with the next', async () => {
    const broken = pool({ level: 42, threads: 1 });
    const results = await Promise.allSettled([broken.deflate(text(1000, 5)), broken.deflate(text(2000, 6))]);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect(String((result as PromiseRejectedResult).reason)).toMatch(/deflate failed in a worker thread: .*level/);
    }
    await expect(broken.deflate(Buffer.from('again'))).rejects.toThrow(/level/);
  });

  it('fails the batches of a thread that dies, and deflates the rest on a new thread', async () => {
    const dying = pool({ level: 6, threads: 1 });
    const files = Array.from({ length: 12 }, (_, index) => text(1_000_000, index + 100));
    const pending = Promise.allSettled(files.map((file) => dying.deflate(file)));
    await new Promise((resolve) => setImmediate(resolve));
    // Reaching in to kill the thread as a crash or an out-of-memory end would.
    const { threads } = dying as unknown as { threads: { worker: { terminate(): Promise<number> } }[] };
    await threads[0]!.worker.terminate();
    const results = await pending;
    const rejected = results.filter((result) => result.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    for (const result of rejected) expect(String(result.reason)).toMatch(/a deflate thread exited/);
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') expect(result.value.data.equals(gzipBody(files[index]!))).toBe(true);
    });
    expect(results.at(-1)!.status).toBe('fulfilled');
  });

  it('fails what is in flight when the pool is closed, instead of leaving it waiting', async () => {
    const closing = pool({ level: 6, threads: 1 });
    const pending = Promise.allSettled(Array.from({ length: 40 }, (_, index) => closing.deflate(text(200_000, index))));
    await new Promise((resolve) => setImmediate(resolve));
    await closing.close();
    const results = await pending;
    expect(results.some((result) => result.status === 'rejected')).toBe(true);
    for (const result of results)
      if (result.status === 'rejected') expect(String(result.reason)).toMatch(/deflate pool was closed/);
  });

  it('does not keep a process alive once its files are deflated', () => {
    // The threads are kept for a minute, but unreferenced while idle: the process ends at once.
    const script =
      "import { DeflatePool } from './packages/packager/src/deflate-pool.ts';" +
      'const pool = new DeflatePool({ level: 6, threads: 2, idleMs: 60_000 });' +
      "const out = await Promise.all([pool.deflate(Buffer.from('a'.repeat(1000))), pool.deflate(Buffer.alloc(9))]);" +
      'console.log(out.map((deflated) => deflated.size).join(","));';
    const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(output.trim()).toBe('1000,9');
  });
});

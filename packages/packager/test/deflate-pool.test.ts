import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { crc32, deflateRawSync, gzipSync, inflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DeflatePool, deflateBound } from '../src/deflate-pool.ts';
import { DEFLATE_THREAD_SOURCE } from '../src/deflate-thread.ts';

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

interface Sent {
  slot?: number;
  /** Bytes of the buffer of its own the batch came in, if it did. */
  inputBytes?: number;
}

/** Records the batches the pool's (first) thread is sent from now on. */
function recordSends(deflater: DeflatePool): Sent[] {
  const sent: Sent[] = [];
  const { threads } = deflater as unknown as { threads: { worker: Worker }[] };
  const worker = threads[0]!.worker;
  const post = worker.postMessage.bind(worker);
  worker.postMessage = (message: { slot?: number; input?: ArrayBuffer }, transfer?: readonly ArrayBuffer[]) => {
    sent.push({ slot: message.slot, inputBytes: message.input?.byteLength });
    post(message, transfer);
  };
  return sent;
}

function expectDeflated(deflated: { data: Buffer; crc32: number; size: number }, file: Buffer): void {
  expect(deflated.data.equals(deflateRawSync(file, { level: 6 }))).toBe(true);
  expect(deflated.crc32).toBe(crc32(file));
  expect(deflated.size).toBe(file.length);
}

describe('deflateBound', () => {
  it('is never less than what zlib makes, incompressible data included', () => {
    for (const size of [0, 1, 100, 4_095, 16_383, 16_384, 65_536, 128 * 1024 + 1, 256 * 1024, 1_000_003]) {
      for (const file of [randomBytes(size), Buffer.alloc(size), text(size, size)])
        for (const level of [1, 6, 9])
          expect(deflateRawSync(file, { level }).length).toBeLessThanOrEqual(deflateBound(size));
    }
  });
});

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

  it('deflates an incompressible batch that fills a slot, its data larger than the input', async () => {
    const deflater = pool({ level: 6, threads: 1 });
    await deflater.deflate(Buffer.from('start the thread'));
    const sent = recordSends(deflater);
    // Handed in together: one batch of exactly a slot's input (2 × 128 KB), data above that.
    const files = [randomBytes(128 * 1024 - 1), randomBytes(128 * 1024 + 1)];
    const { threads } = deflater as unknown as { threads: { worker: Worker }[] };
    const answeredInBuffer: boolean[] = [];
    threads[0]!.worker.on('message', (answer: { output?: ArrayBuffer }) => answeredInBuffer.push(!!answer.output));
    const results = await Promise.all(files.map((file) => deflater.deflate(file)));
    expect(sent).toEqual([{ slot: expect.any(Number), inputBytes: undefined }]);
    expect(answeredInBuffer).toEqual([false]);
    expect(results[0]!.data.length + results[1]!.data.length).toBeGreaterThan(256 * 1024);
    results.forEach((result, index) => expectDeflated(result, files[index]!));
  });

  it('sends a batch too big for a slot in a buffer of its own, and the next ones in slots again', async () => {
    const deflater = pool({ level: 6, threads: 1 });
    await deflater.deflate(Buffer.from('start the thread'));
    const sent = recordSends(deflater);
    const big = [randomBytes(300_000), text(2_000_000, 7)];
    for (const file of big) expectDeflated(await deflater.deflate(file), file);
    const small = [text(3_000, 8), randomBytes(5_000)];
    const results = await Promise.all(small.map((file) => deflater.deflate(file)));
    results.forEach((result, index) => expectDeflated(result, small[index]!));
    expect(sent.map((message) => message.inputBytes)).toEqual([300_000, 2_000_000, undefined]);
    expect(sent[2]!.slot).toEqual(expect.any(Number));
  });

  it('reuses its slots across many batches, each file getting its own data', async () => {
    for (const threads of [1, 2]) {
      const deflater = pool({ level: 6, threads });
      await deflater.deflate(Buffer.from('start a thread'));
      const sent = recordSends(deflater);
      const files = Array.from({ length: 1_200 }, (_, index) =>
        index % 7 === 0 ? randomBytes(index * 13) : text(50 + ((index * 997) % 12_000), index),
      );
      // In waves, so batches of every size go out while slots are still taken.
      const results = [];
      for (let start = 0; start < files.length; start += 300)
        results.push(...(await Promise.all(files.slice(start, start + 300).map((file) => deflater.deflate(file)))));
      results.forEach((result, index) => expectDeflated(result, files[index]!));
      expect(sent.length).toBeGreaterThan(20);
      expect(sent.every((message) => message.slot !== undefined && message.inputBytes === undefined)).toBe(true);
    }
  });

  it('fails the batches in the slots of a thread that dies, and starts the next thread with free slots', async () => {
    const dying = pool({ level: 6, threads: 1 });
    const files = Array.from({ length: 60 }, (_, index) => text(60_000, index + 200));
    const pending = Promise.allSettled(files.map((file) => dying.deflate(file)));
    await new Promise((resolve) => setImmediate(resolve));
    const { threads } = dying as unknown as { threads: { worker: Worker; inFlight: Map<number, unknown> }[] };
    expect(threads[0]!.inFlight.size).toBe(2);
    await threads[0]!.worker.terminate();
    const results = await pending;
    expect(results.filter((result) => result.status === 'rejected').length).toBeGreaterThan(0);
    results.forEach((result, index) => {
      if (result.status === 'rejected') expect(String(result.reason)).toMatch(/a deflate thread exited/);
      else expectDeflated(result.value, files[index]!);
    });
    const after = Array.from({ length: 20 }, (_, index) => text(30_000, index + 300));
    const again = await Promise.all(after.map((file) => dying.deflate(file)));
    again.forEach((result, index) => expectDeflated(result, after[index]!));
  });
});

describe('the deflate thread', () => {
  it('answers in a transferred buffer when the data would not fit the slot, and in the slot when it does', async () => {
    const inputBytes = 4_000;
    const outputBytes = 1_000;
    const memory = new SharedArrayBuffer(inputBytes + outputBytes);
    const thread = new Worker(DEFLATE_THREAD_SOURCE, {
      eval: true,
      workerData: { level: 6, memory, inputBytes, outputBytes },
      execArgv: [],
    });
    try {
      const input = Buffer.from(memory, 0, inputBytes);
      const output = Buffer.from(memory, inputBytes, outputBytes);
      const ask = async (file: Buffer) => {
        file.copy(input);
        thread.postMessage({ id: 1, slot: 0, sizes: [file.length] });
        const [answer] = (await once(thread, 'message')) as [
          { output?: ArrayBuffer; compressedSizes: number[]; crcs: number[] },
        ];
        return answer;
      };

      const random = randomBytes(3_000);
      const spilled = await ask(random);
      const spilledData = Buffer.from(spilled.output!, 0, spilled.compressedSizes[0]);
      expect(spilledData.equals(deflateRawSync(random, { level: 6 }))).toBe(true);

      expect(spilled.crcs).toEqual([crc32(random)]);

      const words = text(3_000, 9);
      const fitted = await ask(words);
      expect(fitted.output).toBeUndefined();
      const data = output.subarray(0, fitted.compressedSizes[0]!);
      expect(data.equals(deflateRawSync(words, { level: 6 }))).toBe(true);
    } finally {
      await thread.terminate();
    }
  });
});

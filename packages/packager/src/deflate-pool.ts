import { Worker } from 'node:worker_threads';
import { DEFLATE_THREAD_SOURCE } from './deflate-thread.ts';

export interface Deflated {
  data: Buffer;
  crc32: number;
  size: number;
}

export interface DeflatePoolOptions {
  /** zlib level of every file (raw deflate, default memLevel and strategy). */
  level: number;
  /** Most threads at once; created only when there is work for them. */
  threads?: number;
  /** An idle thread ends after this long, so its memory goes back. */
  idleMs?: number;
}

/** A batch goes out once it holds this many bytes or files... */
const BATCH_BYTES = 128 * 1024;
const BATCH_FILES = 256;
/** ...or as soon as a thread can take it. Two per thread, so none waits for its next batch. */
const BATCHES_PER_THREAD = 2;
/** A batch's input buffer, reused: fresh memory for every batch costs page faults on the main thread. */
const INPUT_BYTES = 2 * BATCH_BYTES;
/** Enough for a thread's zlib calls and two batches; buffers live outside this heap anyway. */
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2, stackSizeMb: 1 };

interface Job {
  content: Buffer;
  resolve: (deflated: Deflated) => void;
  reject: (error: Error) => void;
}

interface Batch {
  id: number;
  jobs: Job[];
  bytes: number;
}

interface Thread {
  worker: Worker;
  inFlight: Map<number, Batch>;
  idleTimer: NodeJS.Timeout | undefined;
}

interface Answer {
  id: number;
  error?: string;
  output?: ArrayBuffer;
  input?: ArrayBuffer;
  compressedSizes?: number[];
  crcs?: number[];
}

/**
 * Deflates whole files on a few worker threads, in batches: one message and one synchronous
 * zlib call per file inside the thread, instead of a zlib stream object per file on the main
 * thread (9,000 small files cost about a second of main-thread time that way, and twice the
 * CPU of the deflating itself). The output is the same raw deflate stream a zlib stream at
 * the same level gives, so archives keep their bytes.
 *
 * Batches are sent in the order files arrive, each as soon as it is full or a thread can take
 * it, so batches grow only while the threads are busy. The queue holds only what callers
 * handed in and are awaiting: each caller bounds that itself (the zip writer's window).
 * Threads start on demand and stop after `idleMs` idle; while idle they do not keep the
 * process alive. A thread's failure rejects its batches with the reason, never hangs them.
 */
export class DeflatePool {
  private readonly level: number;
  private readonly maxThreads: number;
  private readonly idleMs: number;
  private readonly threads: Thread[] = [];
  private readonly queue: Batch[] = [];
  private readonly spareInputs: ArrayBuffer[] = [];
  private open: Batch | undefined;
  private nextId = 0;
  private pumpScheduled = false;

  constructor(options: DeflatePoolOptions) {
    this.level = options.level;
    this.maxThreads = Math.max(1, options.threads ?? 1);
    this.idleMs = options.idleMs ?? 5_000;
  }

  deflate(content: Buffer): Promise<Deflated> {
    return new Promise<Deflated>((resolve, reject) => {
      const batch = (this.open ??= { id: this.nextId++, jobs: [], bytes: 0 });
      batch.jobs.push({ content, resolve, reject });
      batch.bytes += content.length;
      if (batch.bytes >= BATCH_BYTES || batch.jobs.length >= BATCH_FILES) {
        this.queue.push(batch);
        this.open = undefined;
        this.pump();
      } else if (!this.pumpScheduled) {
        // Files handed in during this turn of the event loop (several blobs often arrive in
        // one pipe read) join one batch before it goes.
        this.pumpScheduled = true;
        setImmediate(() => {
          this.pumpScheduled = false;
          this.pump();
        });
      }
    });
  }

  /** Ends every thread now, failing what they hold (tests; a process exits without it). */
  async close(): Promise<void> {
    const closed = new Error('the deflate pool was closed');
    for (const batch of this.queue.splice(0)) reject(batch, closed);
    if (this.open) reject(this.open, closed);
    this.open = undefined;
    await Promise.all(
      this.threads.splice(0).map((thread) => {
        for (const batch of thread.inFlight.values()) reject(batch, closed);
        return this.stop(thread);
      }),
    );
  }

  private pump(): void {
    while (this.queue.length > 0 || this.open) {
      let thread: Thread | undefined;
      try {
        thread = this.threadWithRoom();
      } catch (error) {
        // No thread could be started (out of memory or threads): nothing waiting can be done.
        const reason = new Error(`no deflate thread could be started: ${(error as Error).message}`);
        for (const batch of this.queue.splice(0)) reject(batch, reason);
        if (this.open) reject(this.open, reason);
        this.open = undefined;
        return;
      }
      if (!thread) return;
      const batch = this.queue.shift() ?? this.open!;
      if (batch === this.open) this.open = undefined;
      this.send(thread, batch);
    }
  }

  /** An idle thread, else a new one while under the limit, else the least busy with room. */
  private threadWithRoom(): Thread | undefined {
    let best: Thread | undefined;
    for (const thread of this.threads) if (!best || thread.inFlight.size < best.inFlight.size) best = thread;
    if (best?.inFlight.size === 0) return best;
    if (this.threads.length < this.maxThreads) return this.start();
    return best && best.inFlight.size < BATCHES_PER_THREAD ? best : undefined;
  }

  private send(thread: Thread, batch: Batch): void {
    // One buffer of its own for the whole batch, transferred there and back: the files
    // themselves may be slices of shared memory (Buffer's pool, a pipe's chunk).
    const spare = batch.bytes <= INPUT_BYTES ? this.spareInputs.pop() : undefined;
    const input = new Uint8Array(spare ?? Buffer.allocUnsafeSlow(Math.max(batch.bytes, INPUT_BYTES)).buffer);
    let offset = 0;
    for (const job of batch.jobs) {
      input.set(job.content, offset);
      offset += job.content.length;
    }
    clearTimeout(thread.idleTimer);
    thread.worker.ref();
    thread.inFlight.set(batch.id, batch);
    const sizes = batch.jobs.map((job) => job.content.length);
    try {
      thread.worker.postMessage({ id: batch.id, level: this.level, sizes, input: input.buffer }, [input.buffer]);
    } catch (error) {
      thread.inFlight.delete(batch.id);
      if (thread.inFlight.size === 0) this.idle(thread);
      reject(batch, new Error(`a batch could not be sent to a deflate thread: ${(error as Error).message}`));
    }
  }

  private start(): Thread {
    const worker = new Worker(DEFLATE_THREAD_SOURCE, {
      eval: true,
      // Not the parent's flags: a TypeScript loader (tsx) would be loaded again in every thread.
      execArgv: [],
      resourceLimits: RESOURCE_LIMITS,
    });
    const thread: Thread = { worker, inFlight: new Map(), idleTimer: undefined };
    this.threads.push(thread);
    worker.on('message', (answer: Answer) => this.answered(thread, answer));
    worker.on('error', (error) => this.failed(thread, new Error(`a deflate thread failed: ${error.message}`)));
    worker.on('messageerror', (error) =>
      this.failed(thread, new Error(`a deflate thread's answer was unreadable: ${error.message}`)),
    );
    worker.on('exit', (code) => this.failed(thread, new Error(`a deflate thread exited (code ${code})`)));
    return thread;
  }

  private answered(thread: Thread, answer: Answer): void {
    const batch = thread.inFlight.get(answer.id);
    if (!batch) return;
    thread.inFlight.delete(answer.id);
    if (thread.inFlight.size === 0) this.idle(thread);
    if (answer.error !== undefined) {
      reject(batch, new Error(`deflate failed in a worker thread: ${answer.error}`));
    } else {
      if (answer.input?.byteLength === INPUT_BYTES && this.spareInputs.length < this.maxThreads * BATCHES_PER_THREAD)
        this.spareInputs.push(answer.input);
      const output = Buffer.from(answer.output!);
      // Each file's data copied out: the batch's buffer would otherwise live until its last
      // file is written, long enough to reach V8's old generation, where buffers wait for a
      // full collection (the main isolate's buffers peaked at 57 MB that way, 9 MB without).
      let offset = 0;
      batch.jobs.forEach((job, index) => {
        const length = answer.compressedSizes![index]!;
        job.resolve({
          data: Buffer.from(output.subarray(offset, offset + length)),
          crc32: answer.crcs![index]!,
          size: job.content.length,
        });
        offset += length;
      });
    }
    this.pump();
  }

  /** Unreferenced while idle, so the process may exit; ended after `idleMs` to free its memory. */
  private idle(thread: Thread): void {
    thread.worker.unref();
    thread.idleTimer = setTimeout(() => {
      if (thread.inFlight.size > 0) return;
      this.forget(thread);
      if (this.threads.length === 0) this.spareInputs.length = 0;
      void this.stop(thread);
    }, this.idleMs);
    thread.idleTimer.unref();
  }

  /** The thread is gone or broken: its batches fail with `error`, the rest go to other threads. */
  private failed(thread: Thread, error: Error): void {
    this.forget(thread);
    const batches = [...thread.inFlight.values()];
    thread.inFlight.clear();
    for (const batch of batches) reject(batch, error);
    void this.stop(thread);
    this.pump();
  }

  private forget(thread: Thread): void {
    clearTimeout(thread.idleTimer);
    const index = this.threads.indexOf(thread);
    if (index >= 0) this.threads.splice(index, 1);
  }

  private async stop(thread: Thread): Promise<void> {
    clearTimeout(thread.idleTimer);
    thread.worker.removeAllListeners();
    // Late events of a thread being ended must not throw as unhandled 'error's.
    thread.worker.on('error', () => {});
    await thread.worker.terminate();
  }
}

function reject(batch: Batch, error: Error): void {
  for (const job of batch.jobs) job.reject(error);
}

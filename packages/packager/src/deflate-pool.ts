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
/**
 * Each batch in flight has a slot in its thread's shared memory, allocated once with the
 * thread: an input region for the files and an output region for their deflate data. Fresh
 * buffers for every batch (transferred there and back) were ~250 MB of external memory per
 * release across the two isolates, which set off most of their full GCs.
 */
const INPUT_BYTES = 2 * BATCH_BYTES;
/**
 * Room for the raw deflate data of any batch of at most INPUT_BYTES in at most BATCH_FILES
 * files: the sum of `deflateBound`'s (a batch is checked against it before it takes a slot).
 */
const OUTPUT_BYTES = deflateBound(INPUT_BYTES) + (BATCH_FILES - 1) * deflateBound(0);
const SLOT_BYTES = INPUT_BYTES + OUTPUT_BYTES;
/** Enough for a thread's zlib calls; the slots and the rare large batch live outside this heap. */
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2, stackSizeMb: 1 };

/**
 * The most raw deflate data zlib makes of `size` bytes at the default windowBits (15) and
 * memLevel (8), at any level: zlib's own `deflateBound` for these settings is size + size>>12
 * + size>>14 + size>>25 + 7 (stored blocks of at most 16 KB, 5 bytes of header each, plus the
 * end); 64 bytes of slack cover the >>25 term up to 2 GB and the constant. Files here are 4 MB
 * at most (and the thread checks anyway: data that would not fit comes back transferred).
 */
export function deflateBound(size: number): number {
  return size + (size >>> 12) + (size >>> 14) + 64;
}

interface Job {
  content: Buffer;
  resolve: (deflated: Deflated) => void;
  reject: (error: Error) => void;
}

interface Batch {
  id: number;
  jobs: Job[];
  bytes: number;
  /** The slot it occupies while in flight; none for a batch sent in a buffer of its own. */
  slot?: Slot;
}

/** A batch's place in its thread's shared memory (layout in `deflate-thread.ts`). */
interface Slot {
  index: number;
  input: Buffer;
  output: Buffer;
}

interface Thread {
  worker: Worker;
  inFlight: Map<number, Batch>;
  freeSlots: Slot[];
  idleTimer: NodeJS.Timeout | undefined;
}

interface Answer {
  id: number;
  error?: string;
  /** Present when the data did not come back in the batch's slot. */
  output?: ArrayBuffer;
  compressedSizes?: number[];
  crcs?: number[];
}

/**
 * Deflates whole files on a few worker threads, in batches: one message and one synchronous
 * zlib call per file inside the thread, instead of a zlib stream object per file on the main
 * thread (9,000 small files cost about a second of main-thread time that way, and twice the
 * CPU of the deflating itself). The output is the same raw deflate stream a zlib stream at
 * the same level gives, so archives keep their bytes. Files go to a thread and their data
 * comes back through slots of shared memory it was given at start, so a batch allocates and
 * transfers nothing (but a batch too big for a slot).
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
    // The files are copied into the batch's slot (they may be slices of memory shared with
    // others: Buffer's pool, a pipe's chunk). A batch too big for a slot (one large file)
    // goes in a buffer of its own, transferred there and back.
    const sizes = batch.jobs.map((job) => job.content.length);
    const fits = batch.bytes <= INPUT_BYTES && sizes.reduce((sum, size) => sum + deflateBound(size), 0) <= OUTPUT_BYTES;
    batch.slot = fits ? thread.freeSlots.pop() : undefined;
    const own = batch.slot ? undefined : Buffer.allocUnsafeSlow(batch.bytes);
    const input = batch.slot?.input ?? own!;
    let offset = 0;
    for (const job of batch.jobs) offset += job.content.copy(input, offset);
    clearTimeout(thread.idleTimer);
    thread.worker.ref();
    thread.inFlight.set(batch.id, batch);
    try {
      if (own) thread.worker.postMessage({ id: batch.id, sizes, input: own.buffer }, [own.buffer as ArrayBuffer]);
      else thread.worker.postMessage({ id: batch.id, slot: batch.slot!.index, sizes });
    } catch (error) {
      this.settled(thread, batch);
      reject(batch, new Error(`a batch could not be sent to a deflate thread: ${(error as Error).message}`));
    }
  }

  /** The batch is no longer in flight: its slot is free again. */
  private settled(thread: Thread, batch: Batch): void {
    thread.inFlight.delete(batch.id);
    if (batch.slot) thread.freeSlots.push(batch.slot);
    batch.slot = undefined;
    if (thread.inFlight.size === 0) this.idle(thread);
  }

  private start(): Thread {
    const memory = new SharedArrayBuffer(BATCHES_PER_THREAD * SLOT_BYTES);
    const worker = new Worker(DEFLATE_THREAD_SOURCE, {
      eval: true,
      workerData: { level: this.level, memory, inputBytes: INPUT_BYTES, outputBytes: OUTPUT_BYTES },
      // Not the parent's flags: a TypeScript loader (tsx) would be loaded again in every thread.
      execArgv: [],
      resourceLimits: RESOURCE_LIMITS,
    });
    const freeSlots = Array.from({ length: BATCHES_PER_THREAD }, (_, index) => ({
      index,
      input: Buffer.from(memory, index * SLOT_BYTES, INPUT_BYTES),
      output: Buffer.from(memory, index * SLOT_BYTES + INPUT_BYTES, OUTPUT_BYTES),
    }));
    const thread: Thread = { worker, inFlight: new Map(), freeSlots, idleTimer: undefined };
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
    if (answer.error !== undefined) {
      this.settled(thread, batch);
      reject(batch, new Error(`deflate failed in a worker thread: ${answer.error}`));
    } else {
      const output = answer.output ? Buffer.from(answer.output) : batch.slot!.output;
      // Each file's data copied out, before the slot takes the next batch (and a transferred
      // buffer would otherwise live until its last file is written, long enough to reach V8's
      // old generation, where buffers wait for a full collection: the main isolate's buffers
      // peaked at 57 MB that way, 9 MB without).
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
      this.settled(thread, batch);
    }
    this.pump();
  }

  /** Unreferenced while idle, so the process may exit; ended after `idleMs` to free its memory. */
  private idle(thread: Thread): void {
    thread.worker.unref();
    thread.idleTimer = setTimeout(() => {
      if (thread.inFlight.size > 0) return;
      this.forget(thread);
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

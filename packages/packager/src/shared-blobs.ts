import { readWhole, type BlobReader, type ContentReader } from './blobs.ts';

/**
 * How far the leading view may run ahead of the lagging one, in bytes of file content held
 * for the lagging one. It covers the two writers' usual drift: the zip's read-ahead (2 MB)
 * and an S3 part (5 MB compressed, ~16 MB of source at the ~3:1 of a PHP tree) that one
 * upload sends while the other goes on. The chunks held are git's own output, not copies.
 */
export const SHARE_WINDOW_BYTES = 16 * 1024 * 1024;

type Entry = { blob: number; data: Buffer } | { blob: number; end: true };
/** Put in place of an entry every view has read, so its chunk can be collected before the log is cut. */
const DROPPED: Entry = { blob: -1, end: true };
type ViewState = 'pending' | 'reading' | 'detached' | 'closed';

export interface ShareStats {
  /** cat-file processes started: the shared one and any detached view's own. */
  processes: number;
  /** Most bytes held at once for a view behind the others. */
  peakBufferedBytes: number;
  /** Views that fell a window behind (or were never opened in time) and read on their own. */
  detached: number;
}

/**
 * Reads the blobs of one plan once for several writers: one cat-file process feeds a view
 * per writer, each taking every blob in plan order at its own pace. What the leading view
 * has read and another has not is held, up to `windowBytes`; past that the view furthest
 * behind is detached and goes on through a cat-file of its own, from the blob it is in (the
 * bytes of that blob it already had are skipped). So memory stays bounded and no view ever
 * waits on another: git is read only when a view at the front asks, and nothing waits on a
 * view that is slow, not yet opened, or never will be. The process is killed once every
 * view is closed or detached; a failure of it reaches each view still reading from it,
 * after the blobs before the failure.
 */
export class SharedBlobs {
  readonly stats: ShareStats = { processes: 0, peakBufferedBytes: 0, detached: 0 };
  private readonly views: SharedView[] = [];
  /** Entries not yet read by every sharing view, from `log[first]` on (dropped ones are cut in batches). */
  private log: Entry[] = [];
  private first = 0;
  /** Sequence number of `log[first]`; a view's cursor is the sequence number of its next entry. */
  private base = 0;
  private bufferedBytes = 0;
  private reader: BlobReader | undefined;
  private current: AsyncIterator<Buffer> | undefined;
  private started = 0;
  private pumping: Promise<void> | undefined;
  private failure: Error | undefined;

  /** `open` starts a cat-file of `oids` (BlobReader.open): the shared one and detached views'. */
  constructor(
    readonly oids: readonly string[],
    readers: number,
    private readonly open: (oids: readonly string[]) => BlobReader,
    private readonly windowBytes = SHARE_WINDOW_BYTES,
  ) {
    for (let i = 0; i < readers; i++) this.views.push(new SharedView(this));
  }

  /** The next writer's view; past the number announced, a reader of its own. */
  openReader(): ContentReader {
    const view = this.unopened();
    if (!view) return this.spawn(0);
    view.opened = true;
    if (view.state === 'pending') view.state = 'reading';
    return view;
  }

  /** One of the announced writers will never open its view: nothing is held for it. */
  forgo(): void {
    const view = this.unopened();
    if (view) this.release(view, 'closed');
  }

  private unopened(): SharedView | undefined {
    return this.views.find((v) => !v.opened && v.state !== 'closed');
  }

  /** @internal A cat-file of the blobs from `index` on, for a view reading on its own. */
  spawn(index: number): BlobReader {
    this.stats.processes += 1;
    return this.open(this.oids.slice(index));
  }

  /** @internal The next entry for `view`: a chunk of its blob, null at the blob's end, or 'detached'. */
  async next(view: SharedView, oid: string, size: number): Promise<Buffer | null | 'detached'> {
    for (;;) {
      if (view.state === 'closed') throw new Error('blob reader is closed');
      if (view.state === 'detached') return 'detached';
      if (view.cursor < this.end()) {
        const entry = this.log[this.first + view.cursor - this.base]!;
        if (entry.blob !== view.index) throw new Error(`shared blobs: blob ${entry.blob} came for ${view.index}`);
        view.cursor += 1;
        this.trim();
        // Measured once the view that asked has its entry: what is left is held for the others.
        this.stats.peakBufferedBytes = Math.max(this.stats.peakBufferedBytes, this.bufferedBytes);
        return 'data' in entry ? entry.data : null;
      }
      if (this.failure) throw this.failure;
      this.pumping ??= this.pump(view.index, oid, size).finally(() => (this.pumping = undefined));
      await this.pumping;
    }
  }

  /** @internal Ends `view`'s share: nothing more is held for it, and git stops when no view is left. */
  release(view: SharedView, state: 'detached' | 'closed'): void {
    if (view.state === 'pending' || view.state === 'reading') {
      view.state = state;
      if (state === 'detached') this.stats.detached += 1;
      this.trim();
    } else if (state === 'closed') view.state = 'closed';
  }

  /** Reads one more entry from git, for a view at the front wanting blob `index`. Never rejects. */
  private async pump(index: number, oid: string, size: number): Promise<void> {
    try {
      if (!this.current) {
        if (index !== this.started) throw new Error(`shared blobs: blob ${index} asked for at ${this.started}`);
        this.reader ??= this.spawn(0);
        this.current = this.reader.blob(oid, size)[Symbol.asyncIterator]();
        this.started += 1;
      }
      const blob = this.started - 1;
      const step = await this.current.next();
      if (step.done) this.current = undefined;
      this.append(step.done ? { blob, end: true } : { blob, data: step.value });
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
      this.reader?.close();
    }
  }

  private append(entry: Entry): void {
    this.log.push(entry);
    if ('data' in entry) this.bufferedBytes += entry.data.length;
    // The view that asked is at the front: the one furthest behind gives way, never it.
    while (this.bufferedBytes > this.windowBytes) {
      const lagging = this.sharing().reduce<SharedView | undefined>(
        (min, v) => (min === undefined || v.cursor < min.cursor ? v : min),
        undefined,
      );
      if (!lagging || lagging.cursor >= this.end() - 1) break;
      this.release(lagging, 'detached');
    }
  }

  /** Sequence number after the last entry read from git. */
  private end(): number {
    return this.base + this.log.length - this.first;
  }

  private sharing(): SharedView[] {
    return this.views.filter((v) => v.state === 'pending' || v.state === 'reading');
  }

  /** Drops what every sharing view has read; with no view left, stops git. */
  private trim(): void {
    const sharing = this.sharing();
    if (sharing.length === 0) {
      this.reader?.close();
      this.log = [];
      this.first = 0;
      this.bufferedBytes = 0;
      return;
    }
    const keepFrom = Math.min(...sharing.map((v) => v.cursor));
    for (; this.base < keepFrom; this.base++, this.first++) {
      const entry = this.log[this.first]!;
      if ('data' in entry) this.bufferedBytes -= entry.data.length;
      this.log[this.first] = DROPPED;
    }
    // Cut the dropped entries once they are the larger part: no shift per entry.
    if (this.first > 1024 && this.first * 2 > this.log.length) {
      this.log = this.log.slice(this.first);
      this.first = 0;
    }
  }
}

/** One writer's reader over a SharedBlobs; on its own cat-file once detached. */
class SharedView implements ContentReader {
  state: ViewState = 'pending';
  opened = false;
  /** Sequence number of the next entry it reads from the shared log. */
  cursor = 0;
  /** The blob it reads or will read next, as an index into the plan's oids. */
  index = 0;
  private own: BlobReader | undefined;
  private busy = false;

  constructor(private readonly source: SharedBlobs) {}

  async *blob(oid: string, size: number): AsyncGenerator<Buffer> {
    if (this.busy) throw new Error('blob reader: a blob was requested before the previous one was read');
    this.busy = true;
    try {
      const expected = this.source.oids[this.index];
      if (oid !== expected)
        throw new Error(`blob reader: ${oid} asked for where the plan has ${expected ?? 'no more blobs'}`);
      let had = 0;
      for (;;) {
        if (this.state === 'detached') {
          yield* this.onItsOwn(oid, size, had);
          break;
        }
        const chunk = await this.source.next(this, oid, size);
        if (chunk === 'detached') continue;
        if (chunk === null) {
          // The shared process checked the size its first reader gave; this one must agree.
          if (had !== size) throw new Error(`blob reader: blob ${oid} has ${had} bytes, not ${size}`);
          break;
        }
        had += chunk.length;
        yield chunk;
      }
      this.index += 1;
    } finally {
      this.busy = false;
    }
  }

  readAll(oid: string, size: number): Promise<Buffer> {
    return readWhole(this.blob(oid, size), size);
  }

  close(): void {
    this.source.release(this, 'closed');
    this.own?.close();
  }

  /** The rest of blob `oid` (its first `had` bytes already given) from this view's own cat-file. */
  private async *onItsOwn(oid: string, size: number, had: number): AsyncGenerator<Buffer> {
    if (this.state === 'closed') throw new Error('blob reader is closed');
    this.own ??= this.source.spawn(this.index);
    let skip = had;
    for await (const chunk of this.own.blob(oid, size)) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      yield skip > 0 ? chunk.subarray(skip) : chunk;
      skip = 0;
    }
  }
}

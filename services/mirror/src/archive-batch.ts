import type { Logger } from 'pino';
import { commitArchive, Conflict, downloadArchive, isMirrored, Mismatch, type VerifiedArchive } from './archives.ts';
import type { Origin } from './origin.ts';
import type { Progress } from './progress.ts';
import type { OriginFile } from './protocol.ts';
import { Slots } from './slots.ts';
import type { Store } from './store.ts';

export interface BatchSettings {
  /** Attempts per archive before it is reported failed; base of the backoff between them, in ms. */
  attempts: number;
  backoffMs: number;
}

/** What becomes of each archive of a batch: mirrored (downloaded now, or already there), or failed for good. */
export interface BatchOutcomes {
  mirrored(file: OriginFile, downloadedBytes: number | null): void;
  failed(file: OriginFile, reason: string): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What the archive batches of one pass share. A download slot (`concurrency` of them, the
 * user's figure) is held only while an archive's bytes arrive and are checked against its
 * signed size and sha256; its fsync and rename come after the slot is given back, so the
 * disk's latency never leaves the origin connection short of requests, and the fsyncs of
 * several archives run at once. At most twice `concurrency` archives are between the start of
 * their download and the end of their commit, which bounds the memory verified bytes wait in.
 * Batches overlap (the next page's downloads start while the last of a page's finish), so the
 * archives under way are known by name: a second batch waits for the first's copy of a name
 * before it looks at it.
 */
export class Transfers {
  readonly downloads: Slots;
  readonly inFlight: Slots;
  readonly underWay = new Map<string, Promise<void>>();

  constructor(concurrency: number) {
    this.downloads = new Slots(concurrency);
    this.inFlight = new Slots(concurrency * 2);
  }
}

/**
 * Makes a batch of archives present and durable under their final names (a page's, a
 * snapshot's, or one parked archive), through the pass's shared Transfers. Each archive
 * retries on its own, with backoff, outside any download slot.
 */
export class ArchiveBatch {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly transfers: Transfers,
    private readonly origin: Origin,
    private readonly store: Store,
    private readonly settings: BatchSettings,
    private readonly progress: Progress,
    private readonly outcomes: BatchOutcomes,
    private readonly log: Logger,
  ) {}

  /** Starts one archive as soon as there is room for it; resolves once it has started, not once it is done. */
  async add(file: OriginFile): Promise<void> {
    const { inFlight, underWay } = this.transfers;
    await inFlight.acquire();
    const earlier = underWay.get(file.name);
    const start = () => this.mirror(file);
    const task: Promise<void> = (earlier ? earlier.then(start, start) : start()).finally(() => {
      inFlight.release();
      this.running.delete(task);
      if (underWay.get(file.name) === task) underWay.delete(file.name);
    });
    underWay.set(file.name, task);
    this.running.add(task);
  }

  /** Every archive added so far is mirrored or reported failed. */
  async finished(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }

  private async mirror(file: OriginFile): Promise<void> {
    const { attempts, backoffMs } = this.settings;
    let reason = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let received = 0;
      try {
        if (await isMirrored(this.store, file)) {
          this.progress.filesDone++;
          this.progress.bytesDone += file.size;
          this.outcomes.mirrored(file, null);
          return;
        }
        const archive = await this.download(file, (n) => {
          received += n;
          this.progress.bytesDone += n;
        });
        await commitArchive(this.store, archive);
        this.progress.filesDone++;
        this.outcomes.mirrored(file, archive.bytes);
        return;
      } catch (error) {
        this.progress.bytesDone -= received;
        reason = (error as Error).message;
        if (error instanceof Conflict) break;
        if (error instanceof Mismatch)
          this.log.error(
            { file: file.name, reason },
            'Refused an archive whose bytes do not match the signed metadata.',
          );
        else this.log.warn({ file: file.name, attempt, reason }, 'Archive download failed; retrying.');
        if (attempt < attempts) await sleep(backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
      }
    }
    this.outcomes.failed(file, reason);
  }

  private async download(file: OriginFile, onBytes: (n: number) => void): Promise<VerifiedArchive> {
    await this.transfers.downloads.acquire();
    try {
      return await downloadArchive(this.origin, this.store, file, onBytes);
    } finally {
      this.transfers.downloads.release();
    }
  }
}

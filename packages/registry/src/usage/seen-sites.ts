import { randomBytes } from 'node:crypto';

// 2^20 slots of 12 bytes: 12 MB, room for a million (project, site) pairs at once.
const SLOT_BITS = 20;

/**
 * The (project, site key) pairs this process has already queued for counting in the
 * current ISO week. With Drupal's daily check, six polls in seven repeat a pair counted
 * earlier in the week; remembering them here spares those polls a keyed hash and a row in
 * Postgres's statement, where they would only be skipped.
 *
 * A lossy set: a direct-mapped table of 64-bit fingerprints under a random seed of this
 * process. A pair pushed out of its slot by another is only queued again, and Postgres,
 * which holds the truth, skips it. A pair wrongly taken as seen would need the same 64
 * bits as the one in its slot: one chance in 2^64 per poll, and no one outside the process
 * can aim for it, since the seed never leaves it.
 *
 * Each pair remembers the batch its first poll was queued in: when a batch is lost (Postgres
 * down for too long), its pairs count as unseen again, so that their next polls are queued.
 */
export class SeenSites {
  private readonly high = new Int32Array(1 << SLOT_BITS);
  private readonly low = new Int32Array(1 << SLOT_BITS);
  private readonly batchOf = new Uint32Array(1 << SLOT_BITS);
  private readonly lostBatches = new Set<number>();
  private readonly seedHigh: number;
  private readonly seedLow: number;
  private week = '';

  constructor(seed: Buffer = randomBytes(8)) {
    this.seedHigh = seed.readInt32LE(0);
    this.seedLow = seed.readInt32LE(4);
  }

  /**
   * True the first time `week` sees this pair (as far as the table remembers), or when the
   * batch it was queued in was lost; it is then remembered as queued in `batch`. A new week
   * forgets every pair of the last.
   */
  firstThisWeek(week: string, projectId: number, siteKey: string, batch: number): boolean {
    if (week !== this.week) {
      this.forget();
      this.week = week;
    }
    // Two 32-bit multiply-xor lanes over the project id and the key's characters.
    let h = this.seedHigh ^ Math.imul(projectId | 0, 0x9e3779b1);
    let l = this.seedLow ^ Math.imul((projectId / 0x1_0000_0000) | 0, 0x85ebca77);
    for (let i = 0; i < siteKey.length; i++) {
      const c = siteKey.charCodeAt(i);
      h = Math.imul(h ^ c, 0x9e3779b1);
      l = Math.imul(l ^ c, 0x5bd1e995);
    }
    // Final mixing, each lane folded into the other, so every bit depends on every input.
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) ^ Math.imul(l ^ (l >>> 13), 0xc2b2ae35);
    // Never all zeros, which an empty slot holds.
    l = (Math.imul(l ^ (l >>> 16), 0x85ebca6b) ^ Math.imul(h ^ (h >>> 13), 0xc2b2ae35)) | 1;
    const slot = h >>> (32 - SLOT_BITS);
    if (this.high[slot] === h && this.low[slot] === l && !this.lostBatches.has(this.batchOf[slot]!)) return false;
    this.high[slot] = h;
    this.low[slot] = l;
    this.batchOf[slot] = batch;
    return true;
  }

  /** The polls queued in `batch` were dropped: their pairs must be queued again. */
  lost(batch: number): void {
    this.lostBatches.add(batch);
  }

  /** Forgets every pair. */
  forget(): void {
    this.high.fill(0);
    this.low.fill(0);
    this.lostBatches.clear();
  }
}

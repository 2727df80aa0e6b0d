import type { UsageHit } from '@packhouse/db';
import type { SiteHasher } from './site-hash.ts';

// Room for this many polls, and their site keys at this many bytes each on average (a
// Drupal 8+ site key is 43 characters, a Drupal 7 one 32).
const CAPACITY = 65_536;
const KEY_BYTES = 64;

/**
 * The polls of one ISO week waiting to be written, held in typed arrays and one byte arena
 * rather than as an object per poll. They live for a flush interval, long enough for the
 * garbage collector to promote objects into the old generation, where every full
 * collection would walk them beside the feed cache; typed arrays it never looks into.
 * Versions repeat from poll to poll, so each is kept once and referred to by number.
 */
export class PollBuffer {
  size = 0;
  /** Polls before this one are written. */
  written = 0;
  private readonly projectIds = new Float64Array(CAPACITY);
  private readonly versionOf = new Uint32Array(CAPACITY);
  private readonly keyEnds = new Uint32Array(CAPACITY);
  private readonly keys = Buffer.allocUnsafeSlow(CAPACITY * KEY_BYTES);
  private readonly versions: string[] = [];
  private readonly versionIds = new Map<string, number>();

  /** `batch` numbers the buffer among those its recorder filled. */
  constructor(
    public week: string,
    public batch: number,
  ) {}

  /** Empties the buffer for other polls: its arrays are kept, not made again. */
  reuse(week: string, batch: number): this {
    this.week = week;
    this.batch = batch;
    this.size = 0;
    this.written = 0;
    this.versions.length = 0;
    this.versionIds.clear();
    return this;
  }

  /** Whether a poll with a site key of `length` bytes fits. */
  hasRoom(length: number): boolean {
    return this.size < CAPACITY && this.keyEnd() + length <= this.keys.length;
  }

  /** Adds a poll; false when the buffer is full. `siteKey` is printable ASCII. */
  add(projectId: string, siteKey: string, version: string): boolean {
    if (!this.hasRoom(siteKey.length)) return false;
    const start = this.keyEnd();
    let versionId = this.versionIds.get(version);
    if (versionId === undefined) {
      versionId = this.versions.push(version) - 1;
      this.versionIds.set(version, versionId);
    }
    this.projectIds[this.size] = Number(projectId);
    this.versionOf[this.size] = versionId;
    this.keyEnds[this.size] = start + this.keys.write(siteKey, start, 'latin1');
    this.size++;
    return true;
  }

  private keyEnd(): number {
    return this.size === 0 ? 0 : this.keyEnds[this.size - 1]!;
  }

  /** Polls `from` to `to` as they are stored: each site key replaced by its keyed hash. */
  hits(from: number, to: number, hasher: SiteHasher): UsageHit[] {
    const hits: UsageHit[] = [];
    for (let i = from; i < to; i++) {
      const siteKey = this.keys.subarray(i === 0 ? 0 : this.keyEnds[i - 1], this.keyEnds[i]);
      hits.push({
        projectId: String(this.projectIds[i]),
        siteHash: hasher.hash(siteKey),
        version: this.versions[this.versionOf[i]!]!,
      });
    }
    return hits;
  }
}

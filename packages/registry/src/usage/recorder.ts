import { setImmediate as nextTurn } from 'node:timers/promises';
import { usage, type UsageHit } from '@packhouse/db';
import { PollBuffer } from './poll-buffer.ts';
import { SeenSites } from './seen-sites.ts';
import { SiteHasher } from './site-hash.ts';
import type { Registry } from '../context.ts';
import { requireProject } from '../projects.ts';
import { isoWeekLabel, isoWeekStart, weeksBefore } from './iso-week.ts';

export interface UsageRecorder {
  /**
   * Counts a poll in memory (if its site is not counted yet); false when the site key or version is not worth
   * counting.
   */
  record(projectId: string, siteKey: string, version: string): boolean;
  /** Polls held in memory, not yet written (metrics). */
  buffered(): number;
  /** Stops the timer and writes what is left. */
  close(): Promise<void>;
}

export interface UsageWeek {
  week: string;
  weekStart: string;
  sites: number;
  versions: { version: string; sites: number }[];
}

const SITE_KEY = /^[\x21-\x7e]{1,256}$/;
const VERSION = /^[0-9A-Za-z.+_-]{1,128}$/;
// Polls go to Postgres this many to a statement, and are hashed this many between turns of
// the event loop: a flush never holds up feed requests for long.
const STATEMENT = 2_000;
const SLICE = 250;
// Full buffers kept while Postgres cannot be written; past this, the oldest is dropped.
const MAX_PENDING = 4;

/**
 * Buffers usage in memory and writes it in batches every `usageFlushMs`, so that a poll
 * never waits on a database write, nor on hashing. One site counts once per project per ISO
 * week: a site that polls again is mostly known to this process already (SeenSites) and
 * costs nothing more; otherwise Postgres skips a (week, project, site) it holds, so a
 * repeat costs a lookup, not a count. Site keys reach the database only as keyed hashes. A
 * crash loses at most one flush interval; a failed flush keeps its polls for the next one.
 */
export function createUsageRecorder(registry: Registry, { clock = Date.now } = {}): UsageRecorder {
  const { db, log, config } = registry;
  const { usageFlushMs } = config.updateStatus;
  const hasher = new SiteHasher(config.updateStatus.siteKeySecret);
  const seen = new SeenSites();
  let current: PollBuffer | null = null;
  const pending: PollBuffer[] = [];
  // A written buffer, kept for the next polls: a buffer is megabytes of arrays.
  let spare: PollBuffer | null = null;
  let flushing: Promise<void> | null = null;
  let dropped = 0;
  let batches = 0;
  let week = { start: '', from: 0, until: 0 };

  // The ISO week of now, recomputed only when a Monday passes.
  function currentWeek(): string {
    const at = clock();
    if (at < week.from || at >= week.until) {
      const start = isoWeekStart(new Date(at));
      const from = Date.parse(`${start}T00:00:00Z`);
      week = { start, from, until: from + 7 * 86_400_000 };
    }
    return week.start;
  }

  function emptyBuffer(week: string): PollBuffer {
    batches++;
    const buffer = spare?.reuse(week, batches) ?? new PollBuffer(week, batches);
    spare = null;
    return buffer;
  }

  /** Hands the buffer being filled to the writer. */
  function seal(): void {
    if (current && current.size > 0) pending.push(current);
    // A buffer that only ever saw repeat polls is kept for the next ones.
    else if (current) spare ??= current;
    current = null;
    while (pending.length > MAX_PENDING) {
      // The oldest not being written right now.
      const [lost] = pending.splice(flushing ? 1 : 0, 1);
      dropped += lost!.size - lost!.written;
      // Their sites' next polls must be queued again, not taken as counted.
      seen.lost(lost!.batch);
    }
  }

  async function write(): Promise<void> {
    let polls = 0;
    let counted = 0;
    try {
      while (pending.length > 0) {
        const batch = pending[0]!;
        while (batch.written < batch.size) {
          const to = Math.min(batch.written + STATEMENT, batch.size);
          const hits: UsageHit[] = [];
          for (let from = batch.written; from < to; from += SLICE) {
            if (from > batch.written) await nextTurn();
            hits.push(...batch.hits(from, Math.min(from + SLICE, to), hasher));
          }
          counted += await usage.recordUsage(db, batch.week, hits);
          polls += to - batch.written;
          batch.written = to;
        }
        if (pending[0] === batch) pending.shift();
        spare = batch;
      }
      log.debug({ polls, counted }, 'Usage flushed.');
    } catch (error) {
      // What was not written stays pending; writing a poll twice counts it once.
      log.warn(
        { err: error, pending: pending.reduce((sum, batch) => sum + batch.size - batch.written, 0) },
        'Could not write usage; will retry at the next flush.',
      );
    }
    if (dropped > 0) {
      log.warn({ dropped }, 'Dropped usage polls: Postgres could not be written for too long.');
      dropped = 0;
    }
  }

  function flush(): Promise<void> {
    seal();
    if (!flushing && pending.length > 0) {
      flushing = write().finally(() => {
        flushing = null;
      });
    }
    return flushing ?? Promise.resolve();
  }

  const timer = setInterval(() => void flush(), usageFlushMs);
  timer.unref();

  return {
    record(projectId, siteKey, version) {
      if (!SITE_KEY.test(siteKey) || !VERSION.test(version)) return false;
      const week = currentWeek();
      if (current && (current.week !== week || !current.hasRoom(siteKey.length))) void flush();
      current ??= emptyBuffer(week);
      if (seen.firstThisWeek(week, Number(projectId), siteKey, current.batch)) current.add(projectId, siteKey, version);
      return true;
    },
    buffered() {
      return (current?.size ?? 0) + pending.reduce((sum, batch) => sum + batch.size - batch.written, 0);
    },
    async close() {
      clearInterval(timer);
      while (flushing) await flushing;
      await flush();
    },
  };
}

/** Sites per version for the last `weeks` ISO weeks (the current one included), newest first. */
export async function getUsage(registry: Registry, name: string, weeks = 12, at = new Date()): Promise<UsageWeek[]> {
  const project = await requireProject(registry, name);
  const rows = await usage.weeklyUsage(registry.db, project.id, weeksBefore(at, weeks - 1));
  const byWeek = new Map<string, UsageWeek>();
  for (const row of rows) {
    let week = byWeek.get(row.week);
    if (!week)
      byWeek.set(row.week, (week = { week: isoWeekLabel(row.week), weekStart: row.week, sites: 0, versions: [] }));
    week.sites += row.sites;
    week.versions.push({ version: row.version, sites: row.sites });
  }
  return [...byWeek.values()];
}

import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { usage } from '@packhouse/db';
import type { Registry } from './context.ts';
import { requireProject } from './projects.ts';
import { isoWeekLabel, isoWeekStart, weeksBefore } from './iso-week.ts';

export interface UsageRecorder {
  /** Counts a poll in memory; false when the site key or version is not worth counting. */
  record(projectId: string, siteKey: string, version: string): boolean;
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
// Small chunks, with a turn of the event loop between them: a flush never blocks polls for long.
const CHUNK = 2_000;
// Past this many distinct sites waiting, flush early; past twice that (Postgres down), drop.
const MAX_BUFFERED = 200_000;

/** A poll waiting to be written; the raw site key lives only here, for one flush interval. */
interface Poll {
  week: string;
  projectId: string;
  siteKey: string;
  version: string;
}

/** What is stored of a site key: the first 64 bits of its HMAC-SHA256, as a signed bigint. */
function siteHash(secret: KeyObject, siteKey: string): string {
  return createHmac('sha256', secret).update(siteKey).digest().readBigInt64BE(0).toString();
}

/**
 * Buffers usage in memory and writes it in batches every `usageFlushMs`, so that a poll
 * never waits on a database write, nor on hashing. One site counts once per project per ISO
 * week; site keys reach the database only as keyed hashes. A crash loses at most one flush
 * interval; a failed flush keeps its polls for the next one.
 */
export function createUsageRecorder(registry: Registry, { clock = Date.now } = {}): UsageRecorder {
  const { db, log, config } = registry;
  const { usageFlushMs } = config.updateStatus;
  const secret = createSecretKey(Buffer.from(config.updateStatus.siteKeySecret)); // prepared once, not per poll
  let buffer = new Map<string, Poll>();
  let flushing: Promise<void> | null = null;
  let dropped = 0;
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

  async function write(batch: Map<string, Poll>): Promise<void> {
    const polls = [...batch.values()];
    let counted = 0;
    try {
      for (let i = 0; i < polls.length; i += CHUNK) {
        if (i > 0) await nextTurn();
        const chunk = polls.slice(i, i + CHUNK);
        // A flush spans a Monday at most once in a while: one statement per week.
        for (const [start, inWeek] of byWeek(chunk)) {
          const hits = inWeek.map((poll) => ({ projectId: poll.projectId, siteHash: siteHash(secret, poll.siteKey), version: poll.version }));
          counted += await usage.recordUsage(db, start, hits);
          for (const poll of inWeek) batch.delete(pollKey(poll));
        }
      }
      log.debug({ polls: polls.length, counted }, 'Usage flushed.');
    } catch (error) {
      // Keep what was not written; recordUsage is idempotent, so retrying a chunk is safe.
      for (const [key, poll] of batch) if (!buffer.has(key)) buffer.set(key, poll);
      log.warn({ err: error, pending: buffer.size }, 'Could not write usage; will retry at the next flush.');
    }
    if (dropped > 0) {
      log.warn({ dropped }, 'Dropped usage polls because the buffer was full.');
      dropped = 0;
    }
  }

  function flush(): Promise<void> {
    if (flushing) return flushing;
    if (buffer.size === 0) return Promise.resolve();
    const batch = buffer;
    buffer = new Map();
    flushing = write(batch).finally(() => {
      flushing = null;
    });
    return flushing;
  }

  const timer = setInterval(() => void flush(), usageFlushMs);
  timer.unref();

  return {
    record(projectId, siteKey, version) {
      if (!SITE_KEY.test(siteKey) || !VERSION.test(version)) return false;
      const poll: Poll = { week: currentWeek(), projectId, siteKey, version };
      const key = pollKey(poll);
      if (buffer.has(key)) return true;
      if (buffer.size >= 2 * MAX_BUFFERED) {
        dropped++;
        return false;
      }
      buffer.set(key, poll);
      if (buffer.size >= MAX_BUFFERED) void flush();
      return true;
    },
    async close() {
      clearInterval(timer);
      await flushing;
      await flush();
    },
  };
}

/** One site, project and week: what is counted once. Site keys hold no spaces (SITE_KEY). */
function pollKey({ week, projectId, siteKey }: Poll): string {
  return `${week} ${projectId} ${siteKey}`;
}

function byWeek(polls: Poll[]): Map<string, Poll[]> {
  const weeks = new Map<string, Poll[]>();
  for (const poll of polls) {
    const inWeek = weeks.get(poll.week);
    if (inWeek) inWeek.push(poll);
    else weeks.set(poll.week, [poll]);
  }
  return weeks;
}

/** Sites per version for the last `weeks` ISO weeks (the current one included), newest first. */
export async function getUsage(registry: Registry, name: string, weeks = 12, at = new Date()): Promise<UsageWeek[]> {
  const project = await requireProject(registry, name);
  const rows = await usage.weeklyUsage(registry.db, project.id, weeksBefore(at, weeks - 1));
  const byWeek = new Map<string, UsageWeek>();
  for (const row of rows) {
    let week = byWeek.get(row.week);
    if (!week) byWeek.set(row.week, (week = { week: isoWeekLabel(row.week), weekStart: row.week, sites: 0, versions: [] }));
    week.sites += row.sites;
    week.versions.push({ version: row.version, sites: row.sites });
  }
  return [...byWeek.values()];
}

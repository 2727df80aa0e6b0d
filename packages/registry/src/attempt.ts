import type { Tx } from '@packhouse/db';
import { SourceRefused } from '@packhouse/packager';
import type { Registry } from './context.ts';
import { failureDetail, transientFailure, type AttemptFailure } from './attempt-failure.ts';
import { BuildRefused, removeObjects, type Packaged, type StoredArchive } from './packaging.ts';

/**
 * One build attempt, the same for every packaging job type (a tagged release, a dev
 * snapshot, ...). A job type describes its steps as a `JobType`; `runAttempt` runs them in
 * this order and owns everything they share:
 *
 *   1. claim     move the row to `building` (counting the attempt); nothing to claim means
 *                the job is a duplicate of one already finished: 'already-finished'.
 *   2. fetch     fetch and validate the source (a refusal is a `SourceRefused`).
 *   3. shortcut  optional: settle without packaging (a dev head that did not move):
 *                'unchanged'.
 *   4. package   stream archives to S3 under keys of this attempt alone, each key pushed
 *                to `written` before its upload starts.
 *   5. publish   one transaction; false when another worker's attempt published first:
 *                'lost-race'. Otherwise 'published'.
 *   postponed    the fetch step found that what it needs is not ready yet (a pinned release
 *                still being packaged) and threw `Postponed`: nothing is marked, the queue
 *                runs the job again after the delay, and the worker slot is free meanwhile.
 *   on failure   a refusal (a hostile tree, a repository that is gone or private) marks
 *                the job failed at once and becomes `BuildRefused` (never retried); any
 *                other error marks it failed on the last attempt, and before that records
 *                it as waiting for its retry (`lastError`, `nextAttemptAt`). What everyone
 *                reads is one short line; git's output goes to `detail`, for maintainers
 *                (attempt-failure.ts).
 *   finally      nothing unpublished stays in the bucket: every written key is removed.
 *
 * Safe to run twice or concurrently: each attempt writes keys of its own and only one
 * transaction can publish. Steps receive the registry with a logger bound to the job's
 * fields. Timings, bytes stored and the outcome are logged once, here, per attempt: the
 * place to count them.
 *
 * A new job type is a `JobType` in a file of its own (see build.ts, dev-build.ts), a
 * function that calls `runAttempt` with it, and a branch in services/worker's processor.
 */
export type BuildOutcome = 'published' | 'already-finished' | 'lost-race' | 'unchanged';

/** What a job type's package step returns: at least the archives it stored. */
export interface Built {
  stored: StoredArchive[];
}

export interface JobType<Claimed, Source, Archives extends Built = Packaged> {
  /** Names the job type in logs ('release', 'dev-build'). */
  readonly name: string;
  /** Log lines of each outcome, as sentences. */
  readonly messages: { published: string; lostRace: string; refused: string };
  claim(registry: Registry, id: string): Promise<Claimed | null>;
  /** Log fields naming the claimed job (ids, project, version). */
  describe(claimed: Claimed): Record<string, unknown>;
  /** Log fields naming the fetched source (its commit), bound from then on. */
  describeSource(source: Source): Record<string, unknown>;
  fetch(registry: Registry, claimed: Claimed): Promise<Source>;
  shortcut?(registry: Registry, claimed: Claimed, source: Source): Promise<'unchanged' | null>;
  package(registry: Registry, claimed: Claimed, source: Source, written: string[]): Promise<Archives>;
  /** In the publishing transaction; records the release's change (changes.ts) in it. */
  publish(registry: Registry, tx: Tx, claimed: Claimed, source: Source, built: Archives): Promise<boolean>;
  /** Records a failure: `message` for everyone, `detail` (git's output) for maintainers only. */
  fail(registry: Registry, claimed: Claimed, failure: AttemptFailure): Promise<void>;
  /** Records a transient failure that the queue retries at `nextAttemptAt`. */
  retrying(registry: Registry, claimed: Claimed, failure: AttemptFailure & { nextAttemptAt: Date }): Promise<void>;
}

/**
 * Thrown by a job type's step when the job cannot go on yet but will be able to: the
 * job type has recorded why (its row back to `queued`), and the queue runs it again in
 * `delayMs` instead of a worker waiting with the job in hand.
 */
export class Postponed extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
    this.name = 'Postponed';
  }
}

export interface AttemptOptions {
  /** Whether BullMQ will not retry this job: a transient failure then marks it failed. */
  lastAttempt?: boolean;
  /** When it will, how long until the next attempt (the queue's backoff). */
  retryInMs?: number;
}

export async function runAttempt<Claimed, Source, Archives extends Built>(
  registry: Registry,
  type: JobType<Claimed, Source, Archives>,
  id: string,
  { lastAttempt = true, retryInMs = 0 }: AttemptOptions = {},
): Promise<BuildOutcome> {
  const claimed = await type.claim(registry, id);
  if (!claimed) return 'already-finished';
  let scoped: Registry = { ...registry, log: registry.log.child({ job: type.name, ...type.describe(claimed) }) };
  const started = performance.now();
  const written: string[] = [];
  let published = false;
  try {
    const source = await type.fetch(scoped, claimed);
    const fetched = performance.now();
    scoped = { ...registry, log: scoped.log.child(type.describeSource(source)) };
    const shortcut = await type.shortcut?.(scoped, claimed, source);
    if (shortcut) return shortcut;
    const built = await type.package(scoped, claimed, source, written);
    const packaged = performance.now();
    published = await registry.db.transaction().execute((tx) => type.publish(scoped, tx, claimed, source, built));
    scoped.log.info(
      {
        fetch_ms: Math.round(fetched - started),
        package_ms: Math.round(packaged - fetched),
        publish_ms: Math.round(performance.now() - packaged),
        duration_ms: Math.round(performance.now() - started),
        bytes: built.stored.reduce((sum, archive) => sum + archive.digests.size, 0),
      },
      published ? type.messages.published : type.messages.lostRace,
    );
    return published ? 'published' : 'lost-race';
  } catch (error) {
    if (error instanceof Postponed) {
      scoped.log.info({ delay_ms: error.delayMs }, error.message);
      throw error;
    }
    if (error instanceof SourceRefused) {
      const detail = failureDetail(error);
      await type.fail(scoped, claimed, { message: error.message, detail });
      scoped.log.warn({ rule: error.rule, reason: error.message, detail: detail ?? undefined }, type.messages.refused);
      throw new BuildRefused(error.message, { cause: error });
    }
    const failure = transientFailure(error);
    if (lastAttempt)
      await type.fail(scoped, claimed, { message: `Packaging failed: ${failure.message}`, detail: failure.detail });
    // Best effort: the retry happens whether or not it could be recorded (Postgres may be the failure).
    else
      await type
        .retrying(scoped, claimed, { ...failure, nextAttemptAt: new Date(Date.now() + retryInMs) })
        .catch(() => {});
    throw error;
  } finally {
    if (!published) await removeObjects(registry, written);
  }
}

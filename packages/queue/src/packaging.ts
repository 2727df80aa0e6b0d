import { once } from 'node:events';
import { DelayedError, Queue, Worker, type Job, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import { buildDistribution, PACKAGING_QUEUE, packageDevBuild, packageRelease, type PackagingJob } from './catalog.ts';

export type PackagingQueue = ReturnType<typeof createPackagingQueue>;

export function createPackagingQueue(connection: Redis, prefix: string, onError: (error: Error) => void) {
  const queue = new Queue<PackagingJob>(PACKAGING_QUEUE, { connection, prefix });
  queue.on('error', onError);
  // BullMQ waits for a connection that may never come; callers would rather fail now.
  // Only a first connection still being made gets a moment to finish.
  const ready = async () => {
    if (connection.status === 'connecting' || connection.status === 'connect') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([once(connection, 'ready'), new Promise((resolve) => (timer = setTimeout(resolve, 1_000)))]);
      clearTimeout(timer);
    }
    if (connection.status !== 'ready') throw new Error(`Redis is not connected (${connection.status})`);
  };
  return {
    queue,
    async enqueue(releaseId: string): Promise<void> {
      await ready();
      await queue.add(
        packageRelease.name,
        { releaseId },
        { ...packageRelease.options, jobId: packageRelease.jobId(releaseId) },
      );
    },
    async enqueueDevBuild(buildId: string): Promise<void> {
      await ready();
      await queue.add(
        packageDevBuild.name,
        { buildId },
        { ...packageDevBuild.options, jobId: packageDevBuild.jobId(buildId) },
      );
    },
    /** Jobs by state and the age of the oldest waiting one (for metrics). */
    async snapshot(): Promise<{ counts: Record<string, number>; oldestWaitingSeconds: number }> {
      await ready();
      const [counts, [oldest]] = await Promise.all([
        queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed'),
        queue.getJobs(['wait'], 0, 0, true),
      ]);
      return { counts, oldestWaitingSeconds: oldest ? Math.max(0, (Date.now() - oldest.timestamp) / 1000) : 0 };
    },
    async enqueueDistribution(distributionBuildId: string): Promise<void> {
      await ready();
      await queue.add(
        buildDistribution.name,
        { distributionBuildId },
        { ...buildDistribution.options, jobId: buildDistribution.jobId(distributionBuildId) },
      );
    },
    async ping(): Promise<void> {
      await connection.ping();
    },
    /** Gives up after `timeoutMs`: closing must not hang on a Redis that is gone. */
    async close(timeoutMs = 2_000): Promise<void> {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([queue.close(), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    },
  };
}

/**
 * `lockMs`: a worker renews its jobs' locks every half of it; a job whose lock lapsed (its
 * worker died or froze) is handed to another worker at the next stalled check, as often.
 */
export function createPackagingWorker(
  connection: Redis,
  prefix: string,
  { concurrency, lockMs }: { concurrency: number; lockMs: number },
  processor: Processor<PackagingJob>,
): Worker<PackagingJob> {
  return new Worker<PackagingJob>(PACKAGING_QUEUE, processor, {
    connection,
    prefix,
    concurrency,
    lockDuration: lockMs,
    stalledInterval: lockMs,
  });
}

/**
 * Puts a running job back for `ms` without using one of its attempts: what it needs
 * (Postgres, S3) is down, which says nothing about the job. Throws BullMQ's DelayedError,
 * which the processor lets through.
 */
export async function postpone(job: Job, token: string, ms: number): Promise<never> {
  await job.moveToDelayed(Date.now() + ms, token);
  throw new DelayedError();
}

export function isLastAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/** How long BullMQ waits before retrying the running attempt if it fails (its backoff option). */
export function retryDelayMs(job: Job): number {
  const backoff = job.opts.backoff;
  if (backoff === undefined) return 0;
  if (typeof backoff === 'number') return backoff;
  const delay = backoff.delay ?? 0;
  // BullMQ's exponential backoff: delay * 2^(attempts made, counting this one, - 1).
  return backoff.type === 'exponential' ? delay * 2 ** job.attemptsMade : delay;
}

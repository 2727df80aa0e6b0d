import { Queue, Worker, type Job, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import { PACKAGING_QUEUE, packageDevBuild, packageRelease, type PackagingJob } from './catalog.ts';

export type PackagingQueue = ReturnType<typeof createPackagingQueue>;

export function createPackagingQueue(connection: Redis, prefix: string) {
  const queue = new Queue<PackagingJob>(PACKAGING_QUEUE, { connection, prefix });
  return {
    queue,
    async enqueue(releaseId: string): Promise<void> {
      await queue.add(packageRelease.name, { releaseId }, { ...packageRelease.options, jobId: packageRelease.jobId(releaseId) });
    },
    async enqueueDevBuild(buildId: string): Promise<void> {
      await queue.add(packageDevBuild.name, { buildId }, { ...packageDevBuild.options, jobId: packageDevBuild.jobId(buildId) });
    },
    async ping(): Promise<void> {
      await connection.ping();
    },
    close: () => queue.close(),
  };
}

export function createPackagingWorker(
  connection: Redis,
  prefix: string,
  concurrency: number,
  processor: Processor<PackagingJob>,
): Worker<PackagingJob> {
  return new Worker<PackagingJob>(PACKAGING_QUEUE, processor, { connection, prefix, concurrency });
}

export function isLastAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

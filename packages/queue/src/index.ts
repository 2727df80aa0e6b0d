export { PACKAGING_QUEUE, packageRelease, type PackageReleaseJob } from './catalog.ts';
export { redisConnection } from './connection.ts';
export { createPackagingQueue, createPackagingWorker, isLastAttempt, type PackagingQueue } from './packaging.ts';
export { UnrecoverableError, type Job } from 'bullmq';

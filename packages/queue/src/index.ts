export {
  PACKAGING_QUEUE,
  packageDevBuild,
  packageRelease,
  type PackageDevBuildJob,
  type PackageReleaseJob,
  type PackagingJob,
} from './catalog.ts';
export { redisConnection } from './connection.ts';
export { createPackagingQueue, createPackagingWorker, isLastAttempt, retryDelayMs, type PackagingQueue } from './packaging.ts';
export { UnrecoverableError, type Job } from 'bullmq';

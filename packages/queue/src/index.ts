export {
  buildDistribution,
  PACKAGING_QUEUE,
  packageDevBuild,
  packageRelease,
  type BuildDistributionJob,
  type PackageDevBuildJob,
  type PackageReleaseJob,
  type PackagingJob,
} from './catalog.ts';
export { redisConnection } from './connection.ts';
export {
  createPackagingQueue,
  createPackagingWorker,
  isLastAttempt,
  postpone,
  retryDelayMs,
  type PackagingQueue,
} from './packaging.ts';
export { DelayedError, UnrecoverableError, type Job } from 'bullmq';

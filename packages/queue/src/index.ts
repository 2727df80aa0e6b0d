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
export { createPackagingQueue, createPackagingWorker, isLastAttempt, type PackagingQueue } from './packaging.ts';
export { UnrecoverableError, type Job } from 'bullmq';

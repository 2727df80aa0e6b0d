import type { JobsOptions } from 'bullmq';

/** Every job Packhouse runs: payloads carry ids only; processors re-read Postgres. */
export const PACKAGING_QUEUE = 'packaging';

export interface PackageReleaseJob {
  releaseId: string;
}

export interface PackageDevBuildJob {
  buildId: string;
}

/** A distribution release's make file, built once its profile is published. */
export interface BuildDistributionJob {
  distributionBuildId: string;
}

export type PackagingJob = PackageReleaseJob | PackageDevBuildJob | BuildDistributionJob;

const retried = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  // Finished jobs leave Redis: Postgres holds the outcome, and a retry may reuse the id.
  removeOnComplete: true,
  removeOnFail: true,
} satisfies JobsOptions;

export const packageRelease = {
  name: 'package-release',
  /** Deterministic: enqueueing the same release twice is one job. */
  jobId: (releaseId: string) => `release-${releaseId}`,
  options: retried,
} as const;

/** One snapshot of a dev branch: a new build row, so a new job id. */
export const packageDevBuild = {
  name: 'package-dev-build',
  jobId: (buildId: string) => `build-${buildId}`,
  options: retried,
} as const;

/** The second job of a distribution release: its make file built into whole-site archives. */
export const buildDistribution = {
  name: 'build-distribution',
  jobId: (distributionBuildId: string) => `distribution-${distributionBuildId}`,
  options: retried,
} as const;

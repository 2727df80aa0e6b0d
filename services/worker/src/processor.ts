import { isLastAttempt, packageDevBuild, retryDelayMs, UnrecoverableError, type Job, type PackagingJob } from '@packhouse/queue';
import { buildDevSnapshot, buildRelease, BuildRefused, type BuildOutcome, type Registry } from '@packhouse/registry';

/** The packaging jobs: each re-reads Postgres and converges; a refused source is never retried. */
export function packagingProcessor(registry: Registry) {
  return async (job: Job<PackagingJob>): Promise<BuildOutcome> => {
    const options = { lastAttempt: isLastAttempt(job), retryInMs: retryDelayMs(job) };
    try {
      if (job.name === packageDevBuild.name && 'buildId' in job.data) {
        return await buildDevSnapshot(registry, job.data.buildId, options);
      }
      if ('releaseId' in job.data) return await buildRelease(registry, job.data.releaseId, options);
      throw new UnrecoverableError(`job ${job.name} carries no release or build id`);
    } catch (error) {
      if (error instanceof BuildRefused) throw new UnrecoverableError(error.message);
      throw error;
    }
  };
}

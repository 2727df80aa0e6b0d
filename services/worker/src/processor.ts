import { isLastAttempt, UnrecoverableError, type Job, type PackageReleaseJob } from '@packhouse/queue';
import { buildRelease, BuildRefused, type BuildOutcome, type Registry } from '@packhouse/registry';

/** The packaging job: re-reads Postgres and converges; a refused source is never retried. */
export function packageReleaseProcessor(registry: Registry) {
  return async (job: Job<PackageReleaseJob>): Promise<BuildOutcome> => {
    try {
      return await buildRelease(registry, job.data.releaseId, { lastAttempt: isLastAttempt(job) });
    } catch (error) {
      if (error instanceof BuildRefused) throw new UnrecoverableError(error.message);
      throw error;
    }
  };
}

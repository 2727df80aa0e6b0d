import {
  buildDistribution,
  DelayedError,
  isLastAttempt,
  packageDevBuild,
  postpone,
  retryDelayMs,
  UnrecoverableError,
  type Job,
  type PackagingJob,
} from '@packhouse/queue';
import {
  buildDevSnapshot,
  buildDistributionRelease,
  buildRelease,
  BuildRefused,
  Postponed,
  unreachable,
  type BuildOutcome,
  type Registry,
} from '@packhouse/registry';

/** How long a job waits before trying again while Postgres or S3 is down. */
const OUTAGE_WAIT_MS = 5_000;

/**
 * The packaging jobs: each re-reads Postgres and converges; a refused source is never
 * retried. A failure while Postgres or S3 does not answer is an outage, not the job's
 * fault: the job waits and tries again without using an attempt, so a store down for
 * minutes does not fail every release that was being packaged. A job that must wait for
 * other jobs (`Postponed`) is put back likewise, so it never holds a slot they need.
 */
export function packagingProcessor(registry: Registry) {
  const { metrics, log } = registry;
  return async (job: Job<PackagingJob>, token?: string): Promise<BuildOutcome> => {
    const started = performance.now();
    const done = (outcome: string) => metrics.job(job.name, outcome, (performance.now() - started) / 1000);
    try {
      // The last attempt marks the job failed when it fails: never spend it during an outage.
      if (token && isLastAttempt(job) && (await outage(registry)).length > 0) {
        done('waiting');
        return await postpone(job, token, OUTAGE_WAIT_MS);
      }
      const outcome = await run(registry, job);
      done(outcome);
      return outcome;
    } catch (error) {
      if (error instanceof BuildRefused) {
        done('refused');
        throw new UnrecoverableError(error.message);
      }
      if (error instanceof DelayedError) throw error;
      if (error instanceof Postponed && token) {
        // Waiting for other work (a pinned release being packaged): the slot goes to that work.
        done('waiting');
        return await postpone(job, token, error.delayMs);
      }
      const down = error instanceof UnrecoverableError || !token ? [] : await outage(registry);
      if (down.length > 0) {
        done('waiting');
        log.warn(
          { job: { id: job.id, name: job.name }, unreachable: down, err: error },
          'Packaging waits: a service it needs is unreachable.',
        );
        return await postpone(job, token!, OUTAGE_WAIT_MS);
      }
      done('failed');
      throw error;
    }
  };
}

/** The services a packaging attempt needs that do not answer (Redis carries the job itself). */
async function outage(registry: Registry): Promise<string[]> {
  return (await unreachable(registry)).filter((name) => name !== 'redis');
}

function run(registry: Registry, job: Job<PackagingJob>): Promise<BuildOutcome> {
  const options = { lastAttempt: isLastAttempt(job), retryInMs: retryDelayMs(job) };
  if (job.name === packageDevBuild.name && 'buildId' in job.data)
    return buildDevSnapshot(registry, job.data.buildId, options);
  if (job.name === buildDistribution.name && 'distributionBuildId' in job.data)
    return buildDistributionRelease(registry, job.data.distributionBuildId, options);
  if ('releaseId' in job.data) return buildRelease(registry, job.data.releaseId, options);
  throw new UnrecoverableError(`job ${job.name} carries no release or build id`);
}

import { createPackagingWorker, redisConnection } from '@packhouse/queue';
import { houseKeep, reconcile, sweepOrphans, type Registry } from '@packhouse/registry';
import { packagingProcessor } from './processor.ts';

export interface RunningWorker {
  close(): Promise<void>;
}

export interface WorkerTimers {
  reconcileEveryMs?: number;
  houseKeepEveryMs?: number;
}

/**
 * Starts the packaging worker, the reconciler that re-enqueues work Redis lost, and the
 * hourly housekeeping: tables that would otherwise only grow, and archive objects that
 * crashed attempts left in S3.
 */
export function startWorker(registry: Registry, timers: WorkerTimers = {}): RunningWorker {
  const { config, log } = registry;
  const { reconcileEveryMs = config.worker.reconcileEveryMs, houseKeepEveryMs = 3_600_000 } = timers;
  const connection = redisConnection(config.redisUrl, 'worker');
  const worker = createPackagingWorker(connection, config.queuePrefix, config.worker, packagingProcessor(registry));
  worker.on('failed', (job, error) => {
    // Refusals were logged where they were decided; this logs the transient failures.
    if (error.name === 'UnrecoverableError') return;
    log.warn(
      { job: { id: job?.id, name: job?.name }, attempt: job?.attemptsMade, err: error },
      'Packaging attempt failed.',
    );
  });
  worker.on('error', (error) => log.error({ err: error }, 'Worker error.'));

  const tick = () =>
    reconcile(registry, config.worker.reconcileAfterMs).catch((error) => log.warn({ err: error }, 'Reconcile failed.'));
  const timer = setInterval(tick, reconcileEveryMs);
  timer.unref();
  void tick();
  const keep = async () => {
    await houseKeep(registry).catch((error) => log.warn({ err: error }, 'Housekeeping failed.'));
    await sweepOrphans(registry, config.worker.orphanAfterMs).catch((error) =>
      log.warn({ err: error }, 'Sweeping orphaned archive objects failed.'),
    );
  };
  const keeping = setInterval(keep, houseKeepEveryMs);
  keeping.unref();
  void keep();

  return {
    async close() {
      clearInterval(timer);
      clearInterval(keeping);
      await worker.close();
      connection.disconnect();
    },
  };
}

import { createPackagingWorker, redisConnection } from '@packhouse/queue';
import { houseKeep, reconcile, type Registry } from '@packhouse/registry';
import { packagingProcessor } from './processor.ts';

export interface RunningWorker {
  close(): Promise<void>;
}

/**
 * Starts the packaging worker, the reconciler that re-enqueues work Redis lost, and the
 * hourly housekeeping of tables that would otherwise only grow.
 */
export function startWorker(registry: Registry, { reconcileEveryMs = 15_000, houseKeepEveryMs = 3_600_000 } = {}): RunningWorker {
  const { config, log } = registry;
  const connection = redisConnection(config.redisUrl, 'worker');
  const worker = createPackagingWorker(connection, config.queuePrefix, config.worker.concurrency, packagingProcessor(registry));
  worker.on('failed', (job, error) => {
    // Refusals were logged where they were decided; this logs the transient failures.
    if (error.name === 'UnrecoverableError') return;
    log.warn({ job: { id: job?.id, name: job?.name }, attempt: job?.attemptsMade, err: error }, 'Packaging attempt failed.');
  });
  worker.on('error', (error) => log.error({ err: error }, 'Worker error.'));

  const tick = () => reconcile(registry, config.worker.reconcileAfterMs).catch((error) => log.warn({ err: error }, 'Reconcile failed.'));
  const timer = setInterval(tick, reconcileEveryMs);
  timer.unref();
  void tick();
  const keep = () => houseKeep(registry).catch((error) => log.warn({ err: error }, 'Housekeeping failed.'));
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

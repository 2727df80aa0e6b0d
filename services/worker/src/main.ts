import { loadConfig } from '@packhouse/config';
import { createLogger, serveMetrics } from '@packhouse/observability';
import { connectRegistry, refuseEditedMigrations } from '@packhouse/registry';
import { startWorker } from './worker.ts';

// `npm run worker`: one worker process; run as many as the packaging load needs.
const config = loadConfig();
const log = createLogger('worker', config.logLevel);
await refuseEditedMigrations(config, log);
const { registry, close } = await connectRegistry(config, log, 'worker');
// S3 may be down at boot: the service still starts (/readyz names it) and the bucket is
// created by whichever process reaches S3 first.
await registry.storage
  .ensureBucket()
  .catch((error) => log.warn({ err: error }, 'Could not make sure the S3 bucket exists.'));
const worker = startWorker(registry);
const metrics = await serveMetrics(registry.metrics, config.worker.metricsPort);
log.info({ concurrency: config.worker.concurrency, metrics_port: metrics.port }, 'Worker started.');

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, async () => {
    log.info({ signal }, 'Finishing running jobs, then stopping.');
    await worker.close();
    await metrics.close();
    await close();
    process.exit(0);
  });
}

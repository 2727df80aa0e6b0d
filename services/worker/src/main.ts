import { loadConfig } from '@packhouse/config';
import { connectRegistry } from '@packhouse/registry';
import { pino } from 'pino';
import { startWorker } from './worker.ts';

// `npm run worker`: one worker process; run as many as the packaging load needs.
const config = loadConfig();
const log = pino({ level: config.logLevel, name: 'worker' });
const { registry, close } = await connectRegistry(config, log, 'worker');
const worker = startWorker(registry);
log.info({ concurrency: config.worker.concurrency }, 'Worker started.');

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, async () => {
    log.info({ signal }, 'Finishing running jobs, then stopping.');
    await worker.close();
    await close();
    process.exit(0);
  });
}

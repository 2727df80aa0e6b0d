import { loadConfig } from '@packhouse/config';
import { createLogger } from '@packhouse/observability';
import { ensureDatabase, migrate } from '@packhouse/db';
import { buildApp } from '@packhouse/api';
import { connectRegistry, ensureAdmin, newToken } from '@packhouse/registry';
import { startWorker } from '@packhouse/worker';

// `npm start`: everything on one machine. Creates the database, applies migrations, starts
// the embedded S3 server when S3_ENDPOINT is unset, then runs the API and one worker.
const config = loadConfig();
const log = createLogger('packhouse', config.logLevel);

await ensureDatabase(config.databaseUrl);
const applied = await migrate(config.databaseUrl);
if (applied.length > 0) log.info({ migrations: applied }, 'Applied migrations.');

const { registry, close } = await connectRegistry(config, log, 'api');
await registry.storage.ensureBucket();

const adminToken = config.adminToken ?? newToken();
await ensureAdmin(registry.db, adminToken);

const app = await buildApp(registry);
await app.listen({ port: config.port, host: '0.0.0.0' });
const worker = startWorker(registry);

console.log(`\nPackhouse is running at ${config.publicUrl}  (API docs: ${config.publicUrl}/docs/json)`);
if (!config.adminToken) {
  console.log(`Administrator token for this run (set ADMIN_TOKEN to choose your own):\n\n  ${adminToken}\n`);
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, async () => {
    log.info({ signal }, 'Stopping.');
    await app.close();
    await worker.close();
    await close();
    process.exit(0);
  });
}

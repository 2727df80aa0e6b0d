import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@packhouse/config';
import { createLogger } from '@packhouse/observability';
import { ensureDatabase, migrate } from '@packhouse/db';
import { buildApp } from '@packhouse/api';
import { connectRegistry, ensureAdmin, newToken } from '@packhouse/registry';
import { spawnWithoutHelper } from '@packhouse/packager';
import { startEmbeddedS3Process, type EmbeddedS3 } from '@packhouse/storage';
import { startWorker } from '@packhouse/worker';

// `npm start`: everything on one machine. Creates the database, applies migrations, starts
// the embedded S3 server when S3_ENDPOINT is unset, then runs the API and one worker.
const settings = loadConfig();
const log = createLogger('packhouse', settings.logLevel);
// git is started from this process, not from a spawner process of its own (spawner.ts): that
// would be a fourth Node process in a tree whose memory has a budget of 450 MB.
spawnWithoutHelper();

// The embedded S3 server runs in a child process, off the worker's event loop (it would
// otherwise take its turn on the same core as packaging). Run from source, without the
// bundled dist/s3.mjs, connectRegistry starts it in this process instead.
const s3Entry = fileURLToPath(new URL('./s3.mjs', import.meta.url));
let embedded: EmbeddedS3 | undefined;
if (settings.s3.endpoint === undefined && existsSync(s3Entry)) {
  embedded = await startEmbeddedS3Process(s3Entry, settings.s3.dataDir);
  log.info(
    { endpoint: embedded.endpoint, dir: settings.s3.dataDir },
    'Started the embedded S3 server in a child process.',
  );
}
const config = embedded ? { ...settings, s3: { ...settings.s3, endpoint: embedded.endpoint } } : settings;

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
    await embedded?.close();
    process.exit(0);
  });
}

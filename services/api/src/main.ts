import { loadConfig } from '@packhouse/config';
import { createLogger } from '@packhouse/observability';
import { connectRegistry, ensureAdmin, refuseEditedMigrations } from '@packhouse/registry';
import { buildApp } from './app.ts';

// `npm run api`: one stateless API process; run several behind a load balancer.
const config = loadConfig();
const log = createLogger('api', config.logLevel);
await refuseEditedMigrations(config, log);
const { registry, close } = await connectRegistry(config, log, 'api');
// S3 may be down at boot: the service still starts (/readyz names it) and the bucket is
// created by whichever process reaches S3 first.
await registry.storage
  .ensureBucket()
  .catch((error) => log.warn({ err: error }, 'Could not make sure the S3 bucket exists.'));
if (config.adminToken) await ensureAdmin(registry.db, config.adminToken);
const app = await buildApp(registry);
await app.listen({ port: config.port, host: '0.0.0.0' });

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, async () => {
    await app.close();
    await close();
    process.exit(0);
  });
}

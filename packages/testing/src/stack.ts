import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp } from '@packhouse/api';
import { loadConfig } from '@packhouse/config';
import { connectRegistry, ensureAdmin, type Registry } from '@packhouse/registry';
import { startWorker, type RunningWorker } from '@packhouse/worker';
import { pino } from 'pino';
import { createTestDatabase } from './database.ts';
import { redisUrl } from './services.ts';

export type TestApp = Awaited<ReturnType<typeof buildApp>>;

export interface Stack {
  app: TestApp;
  registry: Registry;
  adminToken: string;
  tmp: string;
  /** Starts a packaging worker against this stack's queue (several may run). */
  startWorker(): RunningWorker;
  close(): Promise<void>;
}

/**
 * A whole Packhouse on real services, isolated per test file: its own database, queue
 * prefix, S3 folder and bucket, git cache. Extra environment overrides the defaults; `now`
 * is the feed cache's clock (see testClock); `port` a fixed one to listen on.
 */
export async function startStack(
  env: Record<string, string> = {},
  {
    ensureBucket = true,
    now,
    postgresUrl,
    port = 0,
  }: { ensureBucket?: boolean; now?: () => number; postgresUrl?: string; port?: number } = {},
): Promise<Stack> {
  const tmp = await mkdtemp(path.join(tmpdir(), 'packhouse-test-'));
  const database = await createTestDatabase(postgresUrl);
  const id = randomBytes(4).toString('hex');
  const adminToken = `admin-${randomBytes(16).toString('hex')}`;
  const config = loadConfig({
    DATABASE_URL: database.url,
    REDIS_URL: await redisUrl(),
    QUEUE_PREFIX: `packhouse-test-${id}`,
    S3_BUCKET: `test-${id}`,
    S3_DATA_DIR: path.join(tmp, 's3'),
    GIT_CACHE_DIR: path.join(tmp, 'git-cache'),
    SIGNING_KEY_FILE: path.join(tmp, 'signing-key'),
    GIT_ALLOWED_SOURCES: 'file://',
    GIT_TIMEOUT_MS: '30000',
    PUBLIC_URL: 'http://packhouse.test',
    ADMIN_TOKEN: adminToken,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // A stack's own, as a deployment's: required whenever S3_ENDPOINT is set.
    SITE_KEY_SECRET: `site-key-${randomBytes(16).toString('hex')}`,
    // Tests make many requests from one address and user; rate-limits.test.ts sets its own limits.
    RATE_LIMIT_PROJECTS: '100000',
    RATE_LIMIT_RELEASES: '100000',
    RATE_LIMIT_WEBHOOKS: '100000',
    RATE_LIMIT_AUTH_FAILURES: '100000',
    ...env,
  });
  const log = pino({ level: config.logLevel });
  const connected = await connectRegistry(config, log, 'api');
  if (ensureBucket) await connected.registry.storage.ensureBucket();
  await ensureAdmin(connected.registry.db, adminToken);
  const app = await buildApp(connected.registry, { now });
  // A fixed port when the stack's PUBLIC_URL must name it (the Composer client tests).
  await app.listen({ port, host: '127.0.0.1' });
  const workers: RunningWorker[] = [];

  return {
    app,
    registry: connected.registry,
    adminToken,
    tmp,
    startWorker() {
      const worker = startWorker(connected.registry, { reconcileEveryMs: 60 * 60 * 1000 });
      workers.push(worker);
      return worker;
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
      await Promise.race([
        connected.registry.queue.queue.obliterate({ force: true }).catch(() => {}),
        new Promise((resolve) => setTimeout(resolve, 2_000)),
      ]);
      await app.close();
      await connected.close();
      await database.drop();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createRepo, removeRepos, type TestRepo } from '../git.ts';
import { client } from '../http.ts';
import { startStack, type Stack } from '../stack.ts';
import { logFields, startChild, type Child } from './children.ts';
import { startS3Server, type S3Server } from './s3-server.ts';

export interface WorkerProcess extends Child {
  metricsPort: number;
  /** The worker's own /metrics text. */
  metrics(): Promise<string>;
}

export interface FaultWorld {
  stack: Stack;
  s3: S3Server;
  maintainer: ReturnType<typeof client>;
  /** A worker as a separate process (`services/worker/src/main.ts`) against this world. */
  startWorker(env?: Record<string, string>): Promise<WorkerProcess>;
  close(): Promise<void>;
}

const WORKER_MAIN = path.join(import.meta.dirname, '../../../../services/worker/src/main.ts');

/**
 * A Packhouse whose parts a fault test can break: the S3 server in a child process, the
 * API in this process, workers as child processes; Postgres and Redis are the machine's
 * unless the case brings its own. Locks and the reconciler run on seconds, not minutes.
 */
export async function startFaultWorld({
  redisUrl,
  postgresUrl,
}: { redisUrl?: string; postgresUrl?: string } = {}): Promise<FaultWorld> {
  const s3 = await startS3Server();
  const stack = await startStack(
    { S3_ENDPOINT: s3.endpoint, ...(redisUrl ? { REDIS_URL: redisUrl } : {}) },
    { postgresUrl },
  );
  // A connection per request: a kept-alive one may be closed by the server just as a
  // request goes out after a long pause, which no case is about.
  const created = await client(stack.app, stack.adminToken, { keepAlive: false })('POST', '/api/v1/users', {
    name: 'maintainer',
  });
  const maintainer = client(stack.app, created.body.token as string, { keepAlive: false });
  const workers: WorkerProcess[] = [];
  const { config } = stack.registry;

  return {
    stack,
    s3,
    maintainer,
    async startWorker(env = {}) {
      const child = startChild(WORKER_MAIN, {
        DATABASE_URL: config.databaseUrl,
        REDIS_URL: config.redisUrl,
        QUEUE_PREFIX: config.queuePrefix,
        S3_ENDPOINT: s3.endpoint,
        S3_BUCKET: config.s3.bucket,
        // Required beside S3_ENDPOINT, as in any deployment: the stack's own.
        SITE_KEY_SECRET: config.updateStatus.siteKeySecret,
        GIT_ALLOWED_SOURCES: 'file://',
        GIT_CACHE_DIR: path.join(stack.tmp, `git-${workers.length}`),
        WORKER_METRICS_PORT: '0',
        WORKER_LOCK_MS: '3000',
        RECONCILE_EVERY_MS: '1000',
        RECONCILE_AFTER_MS: '2000',
        ORPHAN_SWEEP_AFTER_MS: '0',
        LOG_LEVEL: 'info',
        ...env,
      });
      const started = logFields(await child.waitForLine((line) => logFields(line)?.msg === 'Worker started.'));
      const metricsPort = Number(started!.metrics_port);
      const worker: WorkerProcess = {
        ...child,
        metricsPort,
        metrics: async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(),
      };
      workers.push(worker);
      return worker;
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.stop()));
      await stack.close();
      await s3.destroy();
      removeRepos();
    },
  };
}

/** A module whose archives are `megabytes` of incompressible bytes each: uploads take many parts. */
export async function largeModuleRepo(name: string, megabytes: number, tags: string[]): Promise<TestRepo> {
  const files: Record<string, Buffer | string> = {
    [`${name}.info.yml`]: `name: ${name}\ntype: module\ncore_version_requirement: ^10\n`,
  };
  for (let i = 0; i < megabytes; i++) files[`assets/blob-${i}.bin`] = randomBytes(1024 * 1024);
  const repo = await createRepo(files);
  for (const tag of tags) repo.tag(tag);
  return repo;
}

/** Registers a large module (see largeModuleRepo) as the world's maintainer's project, tagged `tags`. */
export async function addLargeModule(
  world: FaultWorld,
  { name, megabytes, tags }: { name: string; megabytes: number; tags: string[] },
): Promise<void> {
  const repo = await largeModuleRepo(name, megabytes, tags);
  const created = await world.maintainer('POST', '/api/v1/projects', {
    name,
    title: name[0]!.toUpperCase() + name.slice(1),
    type: 'module',
    gitUrl: repo.url,
  });
  if (created.status !== 201) throw new Error(`registering ${name} answered ${created.status}`);
}

/** Seconds since `started` (performance.now()), to one decimal. */
export function secondsSince(started: number): number {
  return Math.round((performance.now() - started) / 100) / 10;
}

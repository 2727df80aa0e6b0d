import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { Config } from '@packhouse/config';
import {
  authenticate,
  connectRegistry,
  createProject,
  ensureAdmin,
  getRelease,
  newToken,
  requestRelease,
  type Actor,
  type Registry,
} from '@packhouse/registry';
import { dropDatabase, ensureDatabase, migrate } from '@packhouse/db';
import { startEmbeddedS3Process } from '@packhouse/storage';
import type { Logger } from 'pino';
import { nodeCommandOf } from './lib/npm-script.ts';
import { watchPublications, type PublicationWatch } from './lib/published.ts';

/**
 * A worker in its own process, so its peak memory (VmHWM) is its own, run as production
 * runs it: the bundled JavaScript, no TypeScript loader.
 */
export function startStandaloneWorker(root: string, env: Record<string, string>, onLog?: (line: string) => void) {
  execFileSync(process.execPath, ['scripts/bundle.mjs'], { cwd: root, stdio: 'inherit' });
  // As `npm run worker` starts it (package.json): see docs/ARCHITECTURE.md on its flags and allocator.
  const command = nodeCommandOf(root, 'worker', 'dist/worker.mjs');
  const child = spawn(process.execPath, [...command.flags, 'dist/worker.mjs'], {
    cwd: root,
    env: { ...process.env, ...command.env, ...env },
    stdio: ['ignore', onLog ? 'pipe' : 'inherit', 'inherit'],
  });
  if (onLog) createInterface({ input: child.stdout! }).on('line', onLog);
  let peak = 0;
  let current = 0;
  /** [epoch ms, RSS kB], for the peak of one phase. */
  const samples: Array<[number, number]> = [];
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
      current = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      samples.push([Date.now(), current]);
      if (samples.length > 100_000) samples.splice(0, 50_000);
    } catch {
      // The process has exited.
    }
  };
  const timer = setInterval(sample, 100);
  return {
    pid: child.pid!,
    peakRssKb: () => (sample(), peak),
    rssKb: () => (sample(), current),
    /** CPU seconds (user + system, every thread) the worker has used so far. */
    cpuSeconds: () => cpuSecondsOf(`/proc/${child.pid}/stat`),
    /** The highest RSS sampled between two epoch times. */
    peakBetweenKb: (from: number, to: number) =>
      samples.reduce((max, [at, kb]) => (at >= from && at <= to ? Math.max(max, kb) : max), 0),
    async stop() {
      clearInterval(timer);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

/** CPU seconds of a process (utime + stime) or of its reaped children (cutime + cstime), from /proc. */
export function cpuSecondsOf(statFile: string, whose: 'self' | 'children' = 'self'): number {
  const stat = readFileSync(statFile, 'utf8');
  // After the command name come the fields from the state (field 3) on: utime is field 14.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const first = whose === 'self' ? 14 - 3 : 16 - 3;
  return (Number(fields[first]) + Number(fields[first + 1])) / 100; // clock ticks (USER_HZ, 100)
}

export interface Harness {
  registry: Registry;
  actor: Actor;
  webhookSecret: string;
  /** Publication notifications of the registry's database, for publishAndWait. */
  published: PublicationWatch;
  close(): Promise<void>;
}

/** A registry on the bench environment, its administrator, and one project (Drupal core unless told). */
export async function setUpProject(
  config: Readonly<Config>,
  log: Logger,
  gitUrl: string,
  project: { name: string; title: string; type: 'core' | 'module' } = {
    name: 'drupal',
    title: 'Drupal core',
    type: 'core',
  },
): Promise<Harness> {
  const { registry, close } = await connectRegistry(config, log, 'api');
  await registry.storage.ensureBucket();
  const token = newToken();
  await ensureAdmin(registry.db, token);
  const admin = await authenticate(registry.db, token);
  const { webhookSecret } = await createProject(registry, admin, { ...project, gitUrl });
  const published = await watchPublications(config.databaseUrl);
  return {
    registry,
    actor: admin,
    webhookSecret,
    published,
    async close() {
      await published.close();
      await close();
    },
  };
}

/** Milliseconds from the release request to its published status (see lib/published.ts). */
export async function publishAndWait(harness: Harness, tag: string): Promise<number> {
  const started = performance.now();
  await requestRelease(harness.registry, harness.actor, 'drupal', { tag });
  return harness.published.until(async () => {
    const release = await getRelease(harness.registry, 'drupal', tag);
    if (release.status === 'failed') throw new Error(`release ${tag} failed: ${release.error}`);
    return release.status === 'published' ? performance.now() - started : undefined;
  });
}

/**
 * A database, an S3 server, a queue prefix and a git cache of the run's own; `drop()` removes
 * them. The S3 server runs in a process of its own, as `npm start` runs it (the bundled
 * dist/s3.mjs): in the bench's process it shared an event loop and a heap, with the bench's
 * TypeScript loader, whose garbage collections it paid for.
 */
export async function benchEnvironment(work: string, logLevel: string) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, ['scripts/bundle.mjs'], { cwd: root, stdio: 'inherit' });
  const s3 = await startEmbeddedS3Process(path.join(root, 'dist', 's3.mjs'), path.join(work, 's3'));
  const database = `packhouse_bench_${randomBytes(4).toString('hex')}`;
  const env = {
    DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}`,
    QUEUE_PREFIX: `bench-${database}`,
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: 'bench',
    // Required with S3_ENDPOINT: a deployment has no default secret.
    SITE_KEY_SECRET: randomBytes(16).toString('hex'),
    GIT_ALLOWED_SOURCES: 'file://',
    GIT_CACHE_DIR: path.join(work, `git-cache-${database}`),
    WORKER_CONCURRENCY: '1',
    LOG_LEVEL: logLevel,
  };
  await ensureDatabase(env.DATABASE_URL);
  await migrate(env.DATABASE_URL);
  return {
    env,
    /** The S3 server's process, for its CPU time. */
    s3Pid: s3.pid!,
    async drop() {
      await s3.close();
      await dropDatabase(env.DATABASE_URL);
      rmSync(env.GIT_CACHE_DIR, { recursive: true, force: true });
    },
  };
}

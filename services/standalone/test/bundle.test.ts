import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dropDatabase } from '@packhouse/db';
import { postgresUrl, redisUrl } from '@packhouse/testing';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Process ids whose parent is `parent` and whose command line mentions `script`. */
function childrenRunning(parent: number, script: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === parent && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(script);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * What `npm start` and the production scripts run is the esbuild bundle in dist/, not the
 * sources the other tests import: a dependency the bundle cannot load only shows here.
 */
describe('the bundled processes', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'packhouse-bundle-'));
  let databaseUrl: string | undefined;
  let running: ChildProcess | undefined;
  afterAll(async () => {
    if (running?.exitCode === null) running.kill('SIGKILL');
    if (databaseUrl) await dropDatabase(databaseUrl);
    rmSync(dataDir, { recursive: true, force: true });
  });

  let s3Pids: number[] = [];
  it('build, and `npm start` serves and stops cleanly', async () => {
    const built = spawnSync(process.execPath, ['scripts/bundle.mjs'], { cwd: ROOT, encoding: 'utf8' });
    expect(built.status, built.stderr).toBe(0);

    const server = new URL(await postgresUrl());
    server.pathname = `/packhouse_bundle_${randomBytes(6).toString('hex')}`;
    databaseUrl = server.toString();
    const port = await freePort();
    const child = spawn(process.execPath, ['dist/standalone.mjs'], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        REDIS_URL: await redisUrl(),
        PORT: String(port),
        S3_DATA_DIR: dataDir,
        QUEUE_PREFIX: `bundle-${port}`,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running = child;
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const started = await Promise.race([
        (async () => {
          const deadline = Date.now() + 30_000;
          while (!output.includes('Packhouse is running') && child.exitCode === null && Date.now() < deadline)
            await new Promise((resolve) => setTimeout(resolve, 100));
          return output.includes('Packhouse is running');
        })(),
        exited.then(() => false),
      ]);
      expect(started, output).toBe(true);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      // The embedded S3 server runs in a child process of its own, off the worker's event loop.
      s3Pids = childrenRunning(child.pid!, 'dist/s3.mjs');
      expect(s3Pids).toHaveLength(1);
      // With the V8 flags that keep it small (storage/embedded-process.ts); it created the bucket with them.
      const s3Arguments = readFileSync(`/proc/${s3Pids[0]}/cmdline`, 'utf8').split('\0');
      expect(s3Arguments).toEqual(expect.arrayContaining(['--max-semi-space-size=1', '--jitless']));
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, output).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(existsSync(`/proc/${s3Pids[0]}`), 'the S3 child outlived npm start').toBe(false);
  });
});

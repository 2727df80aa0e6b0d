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
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetchAll, wrkScript } from './feed-load.ts';
import { projectName, seedFeedDatabase } from './feed-seed.ts';
import { bundle, ensureTools, get, startApi, startNginx } from './feed-servers.ts';
import { benchDatabaseUrl } from './lib/database.ts';
import { CONNECTIONS, fmt, loadAverage, measureRounds, RUNS, SECONDS, type Figures } from './lib/rounds.ts';
import { BenchResources, runBench } from './lib/run.ts';
import { seedPageData } from './pages-seed.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORK = path.join(ROOT, 'bench', '.work', 'pages');
const PROJECTS = 10_000;
const resources = new BenchResources();

async function main(): Promise<void> {
  ensureTools();
  bundle(ROOT);
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  console.log(
    `bench:pages: ${RUNS} rounds of ${SECONDS} s runs, ${CONNECTIONS} connections; servers on CPU 0, wrk on CPU 1`,
  );
  console.log(`load average before: ${loadAverage()} (a shared machine: other work lowers every figure)`);
  const database = benchDatabaseUrl('packhouse_bench_pages');
  resources.databases.push(database);
  const started = performance.now();
  const seeded = await seedFeedDatabase(database, PROJECTS);
  await seedPageData(database);
  console.log(
    `${PROJECTS} projects, ${seeded.releases} releases, ${seeded.files} files seeded in ` +
      `${fmt((performance.now() - started) / 1000, 1)} s`,
  );

  const api = await startApi(ROOT, 18_180, {
    DATABASE_URL: database,
    PUBLIC_URL: 'https://packhouse.example.org',
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: 'bench-pages',
    S3_DATA_DIR: path.join(WORK, 's3'),
  });
  resources.servers.add(api);
  const paths = Array.from({ length: PROJECTS }, (_, i) => `/project/${projectName(i + 1)}`);
  const bodies = new Map<string, Buffer>();
  const coldRps = await fetchAll(api.url, paths, {}, 16, (p, body) => bodies.set(p, body));
  const sizes = [...bodies.values()].map((body) => body.length);
  console.log(
    `first render of every project page (cache misses, 16 in flight): ${fmt(coldRps, 0)} req/s; pages ` +
      `${fmt(Math.min(...sizes) / 1024, 1)}-${fmt(Math.max(...sizes) / 1024, 1)} KB`,
  );

  const dir = path.join(WORK, 'static');
  for (const [p, body] of bodies) {
    mkdirSync(path.join(dir, path.dirname(p)), { recursive: true });
    writeFileSync(path.join(dir, p), body);
  }
  const nginx = await startNginx(WORK, dir, 18_181);
  resources.servers.add(nginx);
  const sample = paths[0]!;
  if (!(await get(`${nginx.url}${sample}`, {})).body.equals(bodies.get(sample)!))
    throw new Error('nginx does not serve the same bytes');

  const script = wrkScript(WORK, 'pages', paths, 'none');
  const targets = [
    { label: `Packhouse /project/{name}, ${PROJECTS} projects`, url: api.url },
    { label: 'nginx, the same bytes as static files', url: nginx.url },
  ];
  const figures = await measureRounds(
    targets.map((target) => ({ ...target, script })),
    48,
  );
  const [packhouse, statics] = figures as [Figures, Figures];
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log(`
Summary
  Packhouse /project/{name}: ${fmt(packhouse.best.rps, 0)} req/s best, ${fmt(packhouse.median.rps, 0)} median   [>= 2,000: ${verdict(packhouse.best.rps >= 2000)}]
  p99 of the best run: ${fmt(packhouse.best.p99Ms)} ms   [< 50 ms: ${verdict(packhouse.best.p99Ms < 50)}]
  against nginx serving the same bytes: ${fmt(packhouse.best.rps / statics.best.rps)}x
  API resident memory: ${fmt(api.rssMb(), 0)} MB
  load average now: ${loadAverage()} (other work on this machine lowers every figure)`);
}

runBench('bench:pages', 15, main, () => resources.cleanUp());

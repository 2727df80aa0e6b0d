/**
 * `npm run bench:feed`: the update status feed under load, against nginx serving the same bytes.
 *
 * Seeds two databases of its own (bulk SQL): 10,000 projects with 200,000 releases, and 100
 * projects with 2,000 releases. Starts one API process on each, and nginx (Debian's, one
 * worker, gzip_static) serving the very response bytes of every feed of the large one as
 * static files. Then, on loopback with Debian's wrk, loads `/release-history/{p}/current`
 * for random projects among all 10,000, without and with `site_key` (usage counting: sites
 * polling daily, and the worst case where every poll is a new site), and
 * for the same 100 projects in either database, alternating between the servers. Prints
 * requests/second, p99 latency and the ratios, checked against the targets:
 * Packhouse >= 0.5x nginx, p99 < 20 ms, throughput independent of the number of releases.
 * BENCH_SECONDS (default 5), BENCH_RUNS (default 3) and BENCH_CONNECTIONS (default 50)
 * tune the runs.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dailyWarmUp, fetchAll, MODULES, SITES, wrkScript, type Polling } from './feed-load.ts';
import { countedSites, projectName, seedFeedDatabase } from './feed-seed.ts';
import { bundle, ensureTools, get, startApi, startNginx, type Server } from './feed-servers.ts';
import { benchDatabaseUrl } from './lib/database.ts';
import { CONNECTIONS, fmt, loadAverage, measureRounds, RUNS, SECONDS } from './lib/rounds.ts';
import { BenchResources, runBench } from './lib/run.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORK = path.join(ROOT, 'bench', '.work', 'feed');
const resources = new BenchResources();

interface Prepared {
  name: string;
  url: string;
  releases: number;
  api: Server;
  paths: string[];
  bodies: Map<string, { gzip?: Buffer; plain?: Buffer }>;
  coldRps: number;
}

/** A seeded database, its API process, and every feed fetched once (rendered, then cached). */
async function prepare(name: string, projects: number, port: number): Promise<Prepared> {
  const url = benchDatabaseUrl(`packhouse_bench_feed_${name}`);
  resources.databases.push(url);
  const started = performance.now();
  const seeded = await seedFeedDatabase(url, projects);
  console.log(
    `${name}: ${projects} projects, ${seeded.releases} releases, ${seeded.files} files seeded in ` +
      `${fmt((performance.now() - started) / 1000, 1)} s`,
  );
  const api = await startApi(ROOT, port, {
    DATABASE_URL: url,
    PUBLIC_URL: 'https://packhouse.example.org',
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: `bench-feed-${name}`,
    S3_DATA_DIR: path.join(WORK, 's3'),
    FEED_CACHE_MB: '2048',
  });
  resources.servers.add(api);
  const paths = Array.from({ length: projects }, (_, i) => `/release-history/${projectName(i + 1)}/current`);
  const bodies = new Map<string, { gzip?: Buffer; plain?: Buffer }>();
  const keep = (kind: 'gzip' | 'plain') => (p: string, body: Buffer) =>
    bodies.set(p, { ...bodies.get(p), [kind]: body });
  const coldRps = await fetchAll(api.url, paths, { 'accept-encoding': 'gzip' }, 16, keep('gzip'));
  await fetchAll(api.url, paths, {}, 16, keep('plain'));
  console.log(`  first render of every feed (cache misses, 16 in flight): ${fmt(coldRps, 0)} req/s`);
  return { name, url, releases: seeded.releases, api, paths, bodies, coldRps };
}

/** nginx serving `prepared`'s feeds byte for byte: `current` and `current.gz` per project. */
async function staticCopy(prepared: Prepared, port: number): Promise<Server> {
  const dir = path.join(WORK, `static-${prepared.name}`);
  rmSync(dir, { recursive: true, force: true });
  for (const [p, body] of prepared.bodies) {
    mkdirSync(path.join(dir, path.dirname(p)), { recursive: true });
    writeFileSync(path.join(dir, p), body.plain!);
    writeFileSync(path.join(dir, `${p}.gz`), body.gzip!);
  }
  const nginx = await startNginx(WORK, dir, port);
  resources.servers.add(nginx);
  for (const sample of [prepared.paths[0]!, prepared.paths[prepared.paths.length - 1]!]) {
    const served = await get(`${nginx.url}${sample}`, { 'accept-encoding': 'gzip' });
    if (!served.body.equals(prepared.bodies.get(sample)!.gzip!))
      throw new Error('nginx does not serve the same bytes as Packhouse');
  }
  return nginx;
}

/**
 * The sites of the `daily` load, each counted once for each of its projects this week, as
 * if they had polled on an earlier day: waits until Postgres holds every one of them.
 */
async function warmUpDailySites(prepared: Prepared): Promise<void> {
  const started = performance.now();
  const rps = await fetchAll(prepared.api.url, dailyWarmUp(prepared.paths), { 'accept-encoding': 'gzip' }, 32);
  const expected = SITES * MODULES;
  for (let counted = 0; counted < expected; counted = await countedSites(prepared.url)) {
    if (performance.now() - started > 120_000) throw new Error(`usage counted ${counted} of ${expected} warm-up sites`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  console.log(
    `  ${SITES} sites x ${MODULES} projects polled once and counted (${fmt(rps, 0)} req/s), in ` +
      `${fmt((performance.now() - started) / 1000, 1)} s`,
  );
}

async function main(): Promise<void> {
  ensureTools();
  bundle(ROOT);
  mkdirSync(WORK, { recursive: true });
  console.log(
    `bench:feed: ${RUNS} rounds of ${SECONDS} s runs, ${CONNECTIONS} connections, gzip; servers on CPU 0, wrk on CPU 1`,
  );
  console.log(`load average before: ${loadAverage()}`);
  const large = await prepare('large', 10_000, 18_080);
  const small = await prepare('small', 100, 18_090);
  const nginx = await staticCopy(large, 18_081);
  const script = (p: Prepared, polling: Polling, count = p.paths.length) =>
    wrkScript(WORK, `${p.name}-${count}-${polling}`, p.paths.slice(0, count), polling);
  await warmUpDailySites(large);
  const few = small.paths.length;
  // The database-size comparison polls the same projects (identical feeds) in both databases.
  // Runs with site_key settle 4 s: the usage they count is written to Postgres within
  // USAGE_FLUSH_MS (2 s) after them, and must not weigh on the next run.
  const [many, daily, newSites, statics, largeFew, smallFew] = await measureRounds(
    [
      { label: `Packhouse, ${large.paths.length} projects`, url: large.api.url, script: script(large, 'none') },
      {
        label: `  with site_key, sites polling daily`,
        url: large.api.url,
        script: script(large, 'daily'),
        settleMs: 4_000,
      },
      {
        label: `  with site_key, every poll a new site`,
        url: large.api.url,
        script: script(large, 'new-sites'),
        settleMs: 4_000,
      },
      { label: `nginx, the same bytes as static files`, url: nginx.url, script: script(large, 'none') },
      {
        label: `Packhouse, ${few} projects of ${large.releases} releases`,
        url: large.api.url,
        script: script(large, 'none', few),
      },
      {
        label: `Packhouse, ${few} projects of ${small.releases} releases`,
        url: small.api.url,
        script: script(small, 'none'),
      },
    ],
    44,
  );
  console.log(
    `  API resident memory: ${fmt(large.api.rssMb(), 0)} MB (${large.releases} releases), ` +
      `${fmt(small.api.rssMb(), 0)} MB (${small.releases})`,
  );

  const ratio = many!.best.rps / statics!.best.rps;
  const ratioDaily = daily!.best.rps / statics!.best.rps;
  const ratioNew = newSites!.best.rps / statics!.best.rps;
  const sizeRatio = largeFew!.best.rps / smallFew!.best.rps;
  const p99 = Math.max(...[many, daily, largeFew, smallFew].map((f) => f!.best.p99Ms));
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log(`
Summary (best runs)
  Packhouse / nginx over ${large.paths.length} projects: ${fmt(ratio)}   [>= 0.50: ${verdict(ratio >= 0.5)}]
  the same with site_key, sites polling daily: ${fmt(ratioDaily)}   [>= 0.50: ${verdict(ratioDaily >= 0.5)}]
  p99, worst of those and the two below: ${fmt(p99)} ms   [< 20 ms: ${verdict(p99 < 20)}]
  ${large.releases} vs ${small.releases} releases in the database: ${fmt(largeFew!.best.rps, 0)} vs ${fmt(smallFew!.best.rps, 0)} req/s, ratio ${fmt(sizeRatio)}   [within 15%: ${verdict(Math.abs(1 - sizeRatio) <= 0.15)}]
  worst case, every poll a site new this week: ${fmt(ratioNew)} of nginx, p99 ${fmt(newSites!.best.p99Ms)} ms
    (a week of daily checks has one such poll in seven; each costs Postgres a new row and a count)
  load average now: ${loadAverage()} (other work on this machine lowers every figure)`);
  writeFileSync(
    path.join(WORK, 'results.json'),
    `${JSON.stringify({ seconds: SECONDS, runs: RUNS, connections: CONNECTIONS, many, daily, newSites, statics, largeFew, smallFew }, null, 2)}\n`,
  );
}

runBench('bench:feed', 20, main, () => resources.cleanUp());

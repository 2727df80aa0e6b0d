/**
 * `npm run bench:feed`: the update status feed under load, against nginx serving the same bytes.
 *
 * Seeds a database of its own with 10,000 projects and 200,000 releases (bulk SQL), starts
 * one API process, then on loopback with Debian's wrk loads `/release-history/{p}/current`
 * for random projects, without and with `site_key` (usage counting), and nginx (Debian's,
 * one worker, gzip_static) serving the very response bytes of every feed as static files.
 * Repeats the Packhouse runs over a database of 100 projects and 2,000 releases. Prints
 * requests/second, p99 latency and the ratios, checked against the targets:
 * Packhouse >= 0.5x nginx, p99 < 20 ms, throughput independent of the number of releases.
 * BENCH_SECONDS (default 5), BENCH_RUNS (default 3, the median is kept) and BENCH_CONNECTIONS
 * (default 50) tune the runs.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetchAll, runWrk, wrkScript, type LoadResult } from './feed-load.ts';
import { dropDatabase, projectName, seedFeedDatabase, VERSIONS } from './feed-seed.ts';
import { ensureTools, get, startApi, startNginx, type Server } from './feed-servers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORK = path.join(ROOT, 'bench', '.work', 'feed');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SERVER = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const running = new Set<Server>();

interface DatabaseRun {
  projects: number;
  releases: number;
  seedSeconds: number;
  coldRps: number;
  apiRssMb: number;
  packhouse: LoadResult;
  packhouseSiteKey: LoadResult;
  nginx?: LoadResult;
  nginxSiteKey?: LoadResult;
}

function databaseUrl(name: string): string {
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  return url.toString();
}

// Runs alternate between the servers, so that noise on a shared machine hits both alike;
// each figure is the median run by requests/second.
async function series(targets: { label: string; url: string; script: string }[]): Promise<LoadResult[]> {
  for (const { url, script } of targets) await runWrk(url, script, { seconds: 3, connections: CONNECTIONS }); // JIT, caches
  const runs: LoadResult[][] = targets.map(() => []);
  for (let round = 0; round < RUNS; round++) {
    for (const [i, { label, url, script }] of targets.entries()) {
      const result = await runWrk(url, script, { seconds: SECONDS, connections: CONNECTIONS });
      if (result.errors > 0 || result.badStatus > 0) throw new Error(`${label}: ${result.errors} socket errors, ${result.badStatus} bad statuses`);
      runs[i]!.push(result);
    }
  }
  return targets.map(({ label }, i) => {
    const sorted = [...runs[i]!].sort((a, b) => a.rps - b.rps);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const range = `${fmt(sorted[0]!.rps, 0)}..${fmt(sorted[sorted.length - 1]!.rps, 0)}`;
    console.log(`  ${label.padEnd(36)} ${fmt(median.rps, 0).padStart(8)} req/s (${range})   p50 ${fmt(median.p50Ms)} ms   p99 ${fmt(median.p99Ms)} ms`);
    return median;
  });
}

async function measure(name: string, projects: number, withNginx: boolean, port: number): Promise<DatabaseRun> {
  const url = databaseUrl(`packhouse_bench_feed_${name}`);
  console.log(`\n${name}: seeding ${projects} projects x ${VERSIONS.length} releases...`);
  const seedStarted = performance.now();
  const seeded = await seedFeedDatabase(url, projects);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  console.log(`  ${seeded.releases} releases, ${seeded.files} files in ${fmt(seedSeconds, 1)} s`);

  const api = await startApi(ROOT, port, {
    DATABASE_URL: url,
    PUBLIC_URL: 'https://packhouse.example.org',
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: `bench-feed-${name}`,
    S3_DATA_DIR: path.join(WORK, 's3'),
    FEED_CACHE_MB: '2048',
  });
  running.add(api);
  const paths = Array.from({ length: projects }, (_, i) => `/release-history/${projectName(i + 1)}/current`);
  const bodies = new Map<string, { gzip?: Buffer; plain?: Buffer }>();
  const keep = (kind: 'gzip' | 'plain') => (p: string, body: Buffer) => bodies.set(p, { ...bodies.get(p), [kind]: body });
  // Every feed once: rendered from Postgres (cache misses), then kept in memory.
  const coldRps = await fetchAll(api.url, paths, { 'accept-encoding': 'gzip' }, 16, keep('gzip'));
  await fetchAll(api.url, paths, {}, 16, keep('plain'));
  console.log(`  first render of every feed: ${fmt(coldRps, 0)} req/s (16 in flight)`);

  const plain = wrkScript(WORK, `${name}-plain`, paths, false);
  const keyed = wrkScript(WORK, `${name}-keyed`, paths, true);
  const targets = [
    { label: 'Packhouse', url: api.url, script: plain },
    { label: 'Packhouse, with site_key', url: api.url, script: keyed },
  ];
  let nginx: Server | undefined;
  if (withNginx) {
    const dir = path.join(WORK, `static-${name}`);
    rmSync(dir, { recursive: true, force: true });
    for (const [p, body] of bodies) {
      mkdirSync(path.join(dir, path.dirname(p)), { recursive: true });
      writeFileSync(path.join(dir, p), body.plain!);
      writeFileSync(path.join(dir, `${p}.gz`), body.gzip!);
    }
    nginx = await startNginx(WORK, dir, port + 1);
    running.add(nginx);
    for (const sample of [paths[0]!, paths[paths.length - 1]!]) {
      const served = await get(`${nginx.url}${sample}`, { 'accept-encoding': 'gzip' });
      if (!served.body.equals(bodies.get(sample)!.gzip!)) throw new Error('nginx does not serve the same bytes as Packhouse');
    }
    targets.push(
      { label: 'nginx, the same bytes as static files', url: nginx.url, script: plain },
      { label: 'nginx, with site_key', url: nginx.url, script: keyed },
    );
  }
  const [packhouse, packhouseSiteKey, nginxPlain, nginxSiteKey] = await series(targets);
  const run: DatabaseRun = {
    projects,
    releases: seeded.releases,
    seedSeconds,
    coldRps,
    apiRssMb: api.rssMb(),
    packhouse: packhouse!,
    packhouseSiteKey: packhouseSiteKey!,
    nginx: nginxPlain,
    nginxSiteKey,
  };
  console.log(`  API resident memory: ${fmt(run.apiRssMb, 0)} MB`);
  for (const server of [api, nginx]) {
    if (!server) continue;
    await server.stop();
    running.delete(server);
  }
  await dropDatabase(url);
  return run;
}

function fmt(value: number, digits = 2): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

async function main(): Promise<void> {
  ensureTools();
  mkdirSync(WORK, { recursive: true });
  console.log(`bench:feed: ${RUNS} runs of ${SECONDS} s each, ${CONNECTIONS} connections, one server process on CPU 0, wrk on CPU 1`);
  const large = await measure('large', 10_000, true, 18_080);
  const small = await measure('small', 100, false, 18_090);

  const ratio = large.packhouse.rps / large.nginx!.rps;
  const ratioKeyed = large.packhouseSiteKey.rps / large.nginxSiteKey!.rps;
  const sizeRatio = large.packhouse.rps / small.packhouse.rps;
  const worstP99 = Math.max(large.packhouse.p99Ms, large.packhouseSiteKey.p99Ms, small.packhouse.p99Ms, small.packhouseSiteKey.p99Ms);
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log(`
Summary (/release-history/{p}/current, gzip, ${CONNECTIONS} connections)
  ${large.releases} releases: Packhouse ${fmt(large.packhouse.rps, 0)} req/s, nginx ${fmt(large.nginx!.rps, 0)} req/s, ratio ${fmt(ratio)}  [target >= 0.50: ${verdict(ratio >= 0.5)}]
  with site_key:      Packhouse ${fmt(large.packhouseSiteKey.rps, 0)} req/s, nginx ${fmt(large.nginxSiteKey!.rps, 0)} req/s, ratio ${fmt(ratioKeyed)}  [${verdict(ratioKeyed >= 0.5)}]
  p99 worst of all Packhouse runs: ${fmt(worstP99)} ms  [target < 20 ms: ${verdict(worstP99 < 20)}]
  ${small.releases} vs ${large.releases} releases: ${fmt(small.packhouse.rps, 0)} vs ${fmt(large.packhouse.rps, 0)} req/s, ratio ${fmt(sizeRatio)}  [independent within 15%: ${verdict(Math.abs(1 - sizeRatio) <= 0.15)}]`);
  writeFileSync(path.join(WORK, 'results.json'), `${JSON.stringify({ seconds: SECONDS, runs: RUNS, connections: CONNECTIONS, large, small }, null, 2)}\n`);
}

async function stopAll(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop().catch(() => {})));
}

// Bounded in time whatever happens: a stuck run stops the whole benchmark.
const deadline = setTimeout(() => {
  console.error('bench:feed ran for more than 20 minutes; stopping.');
  void stopAll().finally(() => process.exit(1));
}, 20 * 60_000);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopAll().finally(() => process.exit(130)));

main()
  .then(() => clearTimeout(deadline))
  .catch(async (error) => {
    console.error(error);
    process.exitCode = 1;
    clearTimeout(deadline);
  })
  .finally(stopAll);

/**
 * `npm run bench:composer`: the Composer repository under load, against nginx serving the
 * same bytes, and the wall time of a real `composer require`.
 *
 * Seeds two databases of its own (bulk SQL, bench/composer-seed.ts): 10,000 projects with
 * 200,000 releases, and 100 projects with 2,000. Starts one API process (the production
 * bundle) on each and nginx (Debian's, one worker, gzip_static) serving the very bytes of
 * every p2 file of the large one as static files, each dated with its Last-Modified so that
 * nginx answers If-Modified-Since alike. wrk (CPU 1; servers on CPU 0) then asks for random
 * `/composer/p2/drupal/{p}.json` as Composer does: gzip, half with If-Modified-Since (304),
 * half without (200). Runs alternate between servers; prints requests/second and p99,
 * checked against the targets (>= 0.5x nginx, p99 < 20 ms, flat within 15% from
 * 2,000 to 200,000 releases). Last, `composer require` of a module with 20 Packhouse
 * dependencies, cold cache, on a stack that packaged them for real (bench/composer-require.ts).
 * BENCH_SECONDS (default 5), BENCH_RUNS (default 3), BENCH_CONNECTIONS (default 50);
 * BENCH_PROFILE=1 writes a V8 CPU profile of each API process to bench/.work/composer/profile.
 */
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { composerScript } from './composer-load.ts';
import { freePort } from '../services/api/test/composer-cli.ts';
import { composerRequireWallTime } from './composer-require.ts';
import { seedComposerDatabase } from './composer-seed.ts';
import { projectName } from './feed-seed.ts';
import { bundle, ensureTools, get, startApi, startNginx, type Server } from './feed-servers.ts';
import { benchDatabaseUrl } from './lib/database.ts';
import { CONNECTIONS, fmt, loadAverage, measureRounds, RUNS, SECONDS } from './lib/rounds.ts';
import { BenchResources, runBench } from './lib/run.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORK = path.join(ROOT, 'bench', '.work', 'composer');
const resources = new BenchResources();

interface P2File {
  path: string;
  lastModified: string;
  gzip: Buffer;
  plain: Buffer;
}

interface Prepared {
  name: string;
  releases: number;
  api: Server;
  files: P2File[];
}

/** Fetches every p2 file twice (gzip and plain) once its Last-Modified has settled. */
async function fetchFiles(api: Server, paths: string[]): Promise<P2File[]> {
  const files: P2File[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < paths.length) {
        const p = paths[next++]!;
        const gzip = await get(`${api.url}${p}`, { 'accept-encoding': 'gzip' });
        const plain = await get(`${api.url}${p}`);
        if (gzip.status !== 200 || plain.status !== 200) throw new Error(`${p}: HTTP ${gzip.status}`);
        files.push({
          path: p,
          lastModified: String(gzip.headers['last-modified'] ?? ''),
          gzip: gzip.body,
          plain: plain.body,
        });
      }
    }),
  );
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}

async function prepare(name: string, projects: number, port: number): Promise<Prepared> {
  const url = benchDatabaseUrl(`packhouse_bench_composer_${name}`);
  resources.databases.push(url);
  const started = performance.now();
  const seeded = await seedComposerDatabase(url, projects);
  console.log(
    `${name}: ${projects} projects, ${seeded.releases} releases seeded in ` +
      `${fmt((performance.now() - started) / 1000, 1)} s`,
  );
  const api = await startApi(
    ROOT,
    port,
    {
      DATABASE_URL: url,
      PUBLIC_URL: 'https://packhouse.example.org',
      LOG_LEVEL: 'warn',
      QUEUE_PREFIX: `bench-composer-${name}`,
      S3_DATA_DIR: path.join(WORK, 's3'),
      FEED_CACHE_MB: '2048',
    },
    process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', path.join(WORK, 'profile')] : [],
  );
  resources.servers.add(api);
  const paths = Array.from({ length: projects }, (_, i) => `/composer/p2/drupal/${projectName(i + 1)}.json`);
  const cold = performance.now();
  await fetchFiles(api, paths);
  console.log(
    `  first render of every p2 file (cache misses, 16 in flight): ` +
      `${fmt(paths.length / ((performance.now() - cold) / 1000), 0)} req/s`,
  );
  // A Last-Modified is sent once its second is over (and a margin): wait, then read them.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  const files = await fetchFiles(api, paths);
  if (files.some((file) => file.lastModified === '')) throw new Error('a p2 file has no Last-Modified');
  return { name, releases: seeded.releases, api, files };
}

/** nginx serving `prepared`'s p2 files byte for byte, each dated with its Last-Modified. */
async function staticCopy(prepared: Prepared, port: number): Promise<Server> {
  const dir = path.join(WORK, 'static');
  rmSync(dir, { recursive: true, force: true });
  for (const file of prepared.files) {
    const target = path.join(dir, file.path);
    mkdirSync(path.dirname(target), { recursive: true });
    const mtime = new Date(file.lastModified);
    writeFileSync(target, file.plain);
    writeFileSync(`${target}.gz`, file.gzip);
    utimesSync(target, mtime, mtime);
    utimesSync(`${target}.gz`, mtime, mtime);
  }
  const nginx = await startNginx(WORK, dir, port);
  resources.servers.add(nginx);
  const sample = prepared.files[0]!;
  const served = await get(`${nginx.url}${sample.path}`, { 'accept-encoding': 'gzip' });
  if (!served.body.equals(sample.gzip)) throw new Error('nginx does not serve the same bytes as Packhouse');
  const revalidated = await get(`${nginx.url}${sample.path}`, {
    'accept-encoding': 'gzip',
    'if-modified-since': sample.lastModified,
  });
  if (revalidated.status !== 304)
    throw new Error(`nginx answers If-Modified-Since with ${revalidated.status}, not 304`);
  return nginx;
}

async function main(): Promise<void> {
  ensureTools();
  bundle(ROOT);
  mkdirSync(WORK, { recursive: true });
  console.log(
    `bench:composer: ${RUNS} rounds of ${SECONDS} s runs, ${CONNECTIONS} connections, gzip, half ` +
      `If-Modified-Since; servers on CPU 0, wrk on CPU 1`,
  );
  console.log(`load average before: ${loadAverage()}`);
  // Free ports, not fixed ones: other benchmarks may run on this machine at the same time.
  const large = await prepare('large', 10_000, await freePort());
  const small = await prepare('small', 100, await freePort());
  const nginx = await staticCopy(large, await freePort());
  const few = small.files.length;
  const [many, statics, largeFew, smallFew] = await measureRounds(
    [
      {
        label: `Packhouse, ${large.files.length} packages`,
        url: large.api.url,
        script: composerScript(WORK, 'large', large.files),
      },
      {
        label: 'nginx, the same bytes as static files',
        url: nginx.url,
        script: composerScript(WORK, 'large', large.files),
      },
      {
        label: `Packhouse, ${few} packages of ${large.releases} releases`,
        url: large.api.url,
        script: composerScript(WORK, 'large-few', large.files.slice(0, few)),
      },
      {
        label: `Packhouse, ${few} packages of ${small.releases} releases`,
        url: small.api.url,
        script: composerScript(WORK, 'small', small.files),
      },
    ],
    46,
  );
  console.log(`  API resident memory: ${fmt(large.api.rssMb(), 0)} MB (${large.releases} releases)`);
  await resources.cleanUp();

  console.log('\ncomposer require of a module with 20 Packhouse dependencies (packaging them first)...');
  const require = await composerRequireWallTime(20);

  const ratio = many!.best.rps / statics!.best.rps;
  const sizeRatio = largeFew!.best.rps / smallFew!.best.rps;
  const p99 = Math.max(many!.best.p99Ms, largeFew!.best.p99Ms, smallFew!.best.p99Ms);
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log(`
Summary (best runs)
  Packhouse / nginx over ${large.files.length} packages: ${fmt(ratio)}   [>= 0.50: ${verdict(ratio >= 0.5)}]
  p99, worst of the Packhouse runs: ${fmt(p99)} ms   [< 20 ms: ${verdict(p99 < 20)}]
  ${large.releases} vs ${small.releases} releases in the database: ${fmt(largeFew!.best.rps, 0)} vs ${fmt(smallFew!.best.rps, 0)} req/s, ratio ${fmt(sizeRatio)}   [within 15%: ${verdict(Math.abs(1 - sizeRatio) <= 0.15)}]
  composer require, 22 packages (the module, its 20 dependencies, drupal/core), cold cache: ${fmt(require.coldSeconds)} s (warm metadata cache: ${fmt(require.warmSeconds)} s)
  load average now: ${loadAverage()} (other work on this machine lowers every figure)`);
  writeFileSync(
    path.join(WORK, 'results.json'),
    `${JSON.stringify({ seconds: SECONDS, runs: RUNS, connections: CONNECTIONS, many, statics, largeFew, smallFew, require }, null, 2)}\n`,
  );
}

runBench('bench:composer', 20, main, () => resources.cleanUp());

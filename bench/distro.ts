/**
 * `npm run bench:distro`: a generated distribution (a Drupal-core-sized core of ~9,000
 * files, 30 contrib modules, 3 libraries served by a local HTTP server) built end to end:
 * from the profile's release request to every archive published (profile packaging, the
 * distribution job: make file, components from S3 checked by sha256, libraries, -no-core
 * and -core tar.gz and zip, bill of materials, upload, publish). In the same run, the shell
 * baseline does the same extraction and archiving with tar, gzip -9 -n, zip and sha256sum.
 * Prints both wall times, their ratio and the worker's peak RSS.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { loadavg } from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@packhouse/config';
import { createProject, getRelease, requestRelease, setAllowlist } from '@packhouse/registry';
import { pino } from 'pino';
import { ensureCorpus } from './corpus.ts';
import { libraries, makeFile, moduleRepos, profileRepo } from './distro-corpus.ts';
import {
  benchEnvironment,
  cpuSecondsOf,
  publishAndWait,
  setUpProject,
  startStandaloneWorker,
  type Harness,
} from './harness.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORK = path.join(ROOT, 'bench', '.work');
const DISTRO = path.join(WORK, 'distro');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TAGS = Array.from({ length: RUNS + 1 }, (_, i) => `1.0.${i}`);

mkdirSync(DISTRO, { recursive: true });
const corpus = ensureCorpus(WORK);
const modules = moduleRepos(DISTRO);
const libs = libraries(DISTRO);
console.log(
  `core: ${corpus.files} files (~${Math.round(corpus.bytes / 1048576)} MB); ${modules.length} modules; ` +
    `${libs.length} libraries`,
);

const served = new Map(libs.map((lib) => [lib.file, lib.bytes]));
const server = http.createServer((req, res) => {
  const body = served.get(req.url ?? '');
  if (!body) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-length': body.length }).end(body);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const bench = await benchEnvironment(WORK, 'warn');
const env = {
  ...bench.env,
  DOWNLOAD_INSECURE_ORIGINS: origin,
  DISTRIBUTION_CACHE_DIR: path.join(DISTRO, `cache-${bench.env.QUEUE_PREFIX}`),
};
const config = loadConfig(env);
// The worker's own timings of each distribution job, printed beside the end-to-end figure.
// BENCH_PROFILE=1: the worker writes a V8 CPU profile when it stops.
const profiling: Record<string, string> =
  process.env.BENCH_PROFILE === '1' ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.join(WORK, 'profiles')}` } : {};
function onWorkerLog(line: string): void {
  if (!line.includes('Distribution')) return;
  const { msg, time, fetch_ms, package_ms, publish_ms, assemble_ms, archive_ms, heap_total_mb } = JSON.parse(
    line,
  ) as Record<string, number | undefined>;
  const figures = Object.entries({ fetch_ms, package_ms, publish_ms, assemble_ms, archive_ms, heap_total_mb }).filter(
    ([, v]) => v !== undefined,
  );
  // The worker's peak RSS while it assembled the site, and while it archived it.
  if (assemble_ms !== undefined && archive_ms !== undefined && time !== undefined) {
    const mb = (kb: number) => Math.round(kb / 1024);
    const archived = worker.peakBetweenKb(time - archive_ms, time);
    const assembled = worker.peakBetweenKb(time - archive_ms - assemble_ms, time - archive_ms);
    figures.push(['assemble_peak_rss_mb', mb(assembled)], ['archive_peak_rss_mb', mb(archived)]);
  }
  console.log(`    worker: ${msg} ${figures.map(([k, v]) => `${k}=${v}`).join(' ')}`);
}
// The components (core, 30 modules) are packaged by a worker of their own, stopped before the
// builds: the measured worker starts fresh, so its peak RSS is that of the distribution builds
// (the profile's packaging included), not what packaging a core-sized release left behind.
const setupWorker = startStandaloneWorker(ROOT, { ...env, LOG_LEVEL: 'warn' });
let worker = setupWorker;
const harness = await setUpProject(config, pino({ level: 'warn' }), corpus.url);

/** CPU seconds of the worker for each build, and of the baseline's processes for each run. */
const workerCpu: number[] = [];
const baselineCpu: number[] = [];

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

async function released(h: Harness, project: string, version: string, distribution: boolean): Promise<void> {
  for (;;) {
    const release = await getRelease(h.registry, project, version);
    if (release.status === 'failed') throw new Error(`${project} ${version} failed: ${release.error}`);
    const done = distribution ? release.distribution?.status : release.status;
    if (done === 'failed') throw new Error(`${project} ${version}: ${release.distribution?.error}`);
    if (done === 'published') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Milliseconds from the distribution's release request to all its archives published. */
async function buildDistribution(version: string): Promise<number> {
  const started = performance.now();
  console.log(`    worker RSS before the build: ${Math.round(worker.rssKb() / 1024)} MB`);
  const cpu = worker.cpuSeconds();
  await requestRelease(harness.registry, harness.actor, 'benchdist', { tag: version });
  await released(harness, 'benchdist', version, true);
  workerCpu.push(worker.cpuSeconds() - cpu);
  return performance.now() - started;
}

/** Copies a published tarball out of S3, for the baseline to start from the same inputs. */
async function fetchInput(project: string, version: string, to: string): Promise<void> {
  const release = await getRelease(harness.registry, project, version);
  const file = release.files.find(
    (f) => f.archiveType === 'tar.gz' && (f.variant === null || f.variant === 'profile-only'),
  )!;
  const row = await harness.registry.db
    .selectFrom('releaseFiles')
    .select('storageKey')
    .where('name', '=', file.name)
    .executeTakeFirstOrThrow();
  const object = (await harness.registry.storage.get(row.storageKey))!;
  await pipeline(object.body, createWriteStream(to));
}

/**
 * Where the shell baseline unpacks and archives: tmpfs when the machine has one. On ext4
 * without a journal (this benchmark's machine), creating a file skips, one by one, every
 * inode freed in the last minute (six while its inode table is unwritten): each run's
 * extraction paid for the trees deleted just before it (its own previous one, the
 * worker's), 7 s of system time in the first run and 12.5 s in the fourth. In memory the
 * shell does the same work every run, at its fastest.
 */
const BASELINE_DIR =
  process.env.BENCH_BASELINE_DIR ??
  (existsSync('/dev/shm')
    ? path.join('/dev/shm', `packhouse-bench-baseline-${process.pid}`)
    : path.join(DISTRO, 'baseline'));

// The shell's way: unpack every component, then tar | gzip -9 -n, zip -X and sha256sum.
function baseline(version: string, inputs: string): number {
  const out = BASELINE_DIR;
  rmSync(out, { recursive: true, force: true });
  const site = path.join(out, `benchdist-${version}`);
  const profile = path.join(site, 'profiles', 'benchdist');
  const lines = [
    'set -e -o pipefail',
    `mkdir -p "${profile}/libraries"`,
    `sha256sum "${inputs}"/*.tar.gz "${DISTRO}"/libraries/*.zip "${DISTRO}"/libraries/*.tar.gz > /dev/null`,
    `tar -xzf "${inputs}/drupal.tar.gz" -C "${site}" --strip-components=1`,
    `tar -xzf "${inputs}/benchdist.tar.gz" -C "${profile}" --strip-components=1`,
    ...modules.map(
      (m) =>
        `mkdir -p "${profile}/modules/contrib/${m.name}" && tar -xzf "${inputs}/${m.name}.tar.gz" -C "${profile}/modules/contrib/${m.name}" --strip-components=1`,
    ),
    ...libs.map((l) =>
      l.file.endsWith('.zip')
        ? `unzip -q "${DISTRO}/libraries${l.file}" -d "${out}/unzip" && mv "${out}/unzip/${l.name}" ` +
          `"${profile}/libraries/${l.name}"`
        : `mkdir "${profile}/libraries/${l.name}" && tar -xzf "${DISTRO}/libraries${l.file}" -C ` +
          `"${profile}/libraries/${l.name}" --strip-components=1`,
    ),
    `TAR="tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@1764288000"`,
    `(cd "${site}/profiles" && $TAR -cf - benchdist | gzip -9 -n > "${out}/no-core.tar.gz")`,
    `(cd "${site}/profiles" && zip -qrX "${out}/no-core.zip" benchdist)`,
    `(cd "${out}" && $TAR -cf - "benchdist-${version}" | gzip -9 -n > "${out}/core.tar.gz")`,
    `(cd "${out}" && zip -qrX "${out}/core.zip" "benchdist-${version}")`,
    `sha256sum "${out}"/*.tar.gz "${out}"/*.zip > /dev/null`,
  ];
  writeFileSync(path.join(DISTRO, 'baseline.sh'), lines.join('\n'));
  const started = performance.now();
  const cpu = cpuSecondsOf('/proc/self/stat', 'children');
  execFileSync('bash', [path.join(DISTRO, 'baseline.sh')], { stdio: 'inherit' });
  const elapsed = performance.now() - started;
  baselineCpu.push(cpuSecondsOf('/proc/self/stat', 'children') - cpu);
  rmSync(out, { recursive: true, force: true });
  console.log(`  baseline ${version}: ${elapsed.toFixed(0)} ms, ${baselineCpu.at(-1)!.toFixed(1)} s of CPU`);
  return elapsed;
}

try {
  console.log('\nSetting up: core, 30 modules, the allowlist, the profile (not timed)');
  await publishAndWait(harness, '10.0.0');
  for (const m of modules)
    await createProject(harness.registry, harness.actor, {
      name: m.name,
      title: m.name,
      type: 'module',
      gitUrl: m.url,
    });
  for (const m of modules) await requestRelease(harness.registry, harness.actor, m.name, { tag: m.tag });
  for (const m of modules) await released(harness, m.name, m.tag, false);
  await setAllowlist(harness.registry, harness.actor, [`^${origin.replace(/[.]/g, '\\.')}/`]);
  const profileUrl = profileRepo(DISTRO, makeFile(origin, modules, libs), TAGS);
  await createProject(harness.registry, harness.actor, {
    name: 'benchdist',
    title: 'Bench distribution',
    type: 'distribution',
    gitUrl: profileUrl,
  });

  await setupWorker.stop();
  console.log(
    `  setup worker (packaged core and the modules) peak RSS: ${Math.round(setupWorker.peakRssKb() / 1024)} MB`,
  );
  worker = startStandaloneWorker(ROOT, { ...env, ...profiling, LOG_LEVEL: 'info' }, onWorkerLog);

  console.log('\nPackhouse (worker process, end to end: release request → every archive published):');
  const cold = await buildDistribution(TAGS[0]!);
  console.log(`  ${TAGS[0]} (cold: first fetch of the profile, libraries downloaded): ${cold.toFixed(0)} ms`);
  const inputs = path.join(DISTRO, 'inputs');
  rmSync(inputs, { recursive: true, force: true });
  mkdirSync(inputs);
  await fetchInput('drupal', '10.0.0', path.join(inputs, 'drupal.tar.gz'));
  await fetchInput('benchdist', TAGS[0]!, path.join(inputs, 'benchdist.tar.gz'));
  for (const m of modules) await fetchInput(m.name, m.tag, path.join(inputs, `${m.name}.tar.gz`));

  const warm: number[] = [];
  const base: number[] = [];
  for (const version of TAGS.slice(1)) {
    const elapsed = await buildDistribution(version);
    warm.push(elapsed);
    console.log(
      `  Packhouse ${version} (warm: libraries from the sha256 cache): ${elapsed.toFixed(0)} ms, ` +
        `worker ${workerCpu.at(-1)!.toFixed(1)} s of CPU`,
    );
    base.push(baseline(version, inputs));
  }
  const last = await getRelease(harness.registry, 'benchdist', TAGS[TAGS.length - 1]!);
  console.log(`  archives: ${last.files.map((f) => `${f.name} ${(f.size / 1048576).toFixed(1)} MB`).join(', ')}`);
  const peakKb = worker.peakRssKb();
  const packhouse = median(warm);
  const shell = median(base);
  console.log('\nResult');
  console.log(
    `  baseline median (extract + tar|gzip -9 -n + zip + sha256sum, no upload; in ${BASELINE_DIR}): ${shell.toFixed(0)} ms`,
  );
  console.log(
    `  Packhouse warm median (profile job + distribution job, uploads and publish included): ` +
      `${packhouse.toFixed(0)} ms   (cold ${cold.toFixed(0)} ms)`,
  );
  console.log(`  ratio Packhouse/baseline: ${(packhouse / shell).toFixed(2)}  (target ≤ 1.00)`);
  console.log(
    `  CPU seconds, median (steadier than wall time on a loaded machine): worker ${median(workerCpu.slice(1)).toFixed(1)} s ` +
      `(the S3 server and Postgres not counted), baseline ${median(baselineCpu).toFixed(1)} s`,
  );
  console.log(
    `  load average: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(`  worker peak RSS: ${(peakKb / 1024).toFixed(0)} MB  (target ≤ 300 MB)`);
} finally {
  await setupWorker.stop();
  await worker.stop();
  await harness.close();
  await bench.drop();
  server.close();
  rmSync(env.DISTRIBUTION_CACHE_DIR, { recursive: true, force: true });
  rmSync(BASELINE_DIR, { recursive: true, force: true });
}

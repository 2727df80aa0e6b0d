/**
 * `npm run bench:package`: packages a Drupal-core-sized tag end to end (git fetch, both
 * archives, four digests, upload to S3, publish) in the two configurations people run, and
 * in the same run, alternating with them, the plain shell baseline: git archive | gzip -9 -n,
 * git archive --format=zip -9, then md5sum, sha1sum, sha256sum and sha512sum of both.
 *   (a) `npm start` as a user runs it: dist/standalone.mjs with the embedded S3, the release
 *       requested through the HTTP API; peak RSS of its whole process tree.
 *   (b) one worker process (dist/worker.mjs) with S3 in another process; its own peak RSS.
 * Then checks that (a) and (b), packaging the same tags independently, stored identical
 * bytes, that the sizes are within 2% of gzip -9 / zip -9, and runs bench/latency.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@packhouse/config';
import { pino } from 'pino';
import { getRelease } from '@packhouse/registry';
import { ensureCorpus } from './corpus.ts';
import { cpuByThread, formatThreadCpu } from './lib/threads.ts';
import { benchEnvironment, publishAndWait, setUpProject, startStandaloneWorker } from './harness.ts';
import { startNpmStart } from './standalone.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORK = path.join(ROOT, 'bench', '.work');
const RUNS = Math.min(3, Number(process.env.BENCH_RUNS ?? 3));
const TARGET = { npmStart: 0.6, worker: 0.5, workerRssMb: 300, npmStartRssMb: 450, sizeSlack: 1.02, latencyMs: 200 };

mkdirSync(WORK, { recursive: true });
const corpus = ensureCorpus(WORK);
console.log(`corpus: ${corpus.dir} (${corpus.files} files, ~${Math.round(corpus.bytes / 1048576)} MB)`);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const shellSizes = { 'tar.gz': 0, zip: 0 };
// The baseline: git archive | gzip -9 -n; git archive --format=zip -9; md5/sha1/sha256/sha512sum.
function baseline(tag: string): number {
  const out = path.join(WORK, 'baseline');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  const script = [
    `git -C "${corpus.dir}" archive --format=tar --prefix=drupal-${tag}/ ${tag} | gzip -9 -n > "${out}/a.tar.gz"`,
    `git -C "${corpus.dir}" archive --format=zip -9 --prefix=drupal-${tag}/ ${tag} > "${out}/a.zip"`,
    ...['md5sum', 'sha1sum', 'sha256sum', 'sha512sum'].map(
      (tool) => `${tool} "${out}/a.tar.gz" "${out}/a.zip" > /dev/null`,
    ),
  ].join(' && ');
  const started = performance.now();
  execFileSync('bash', ['-c', `set -o pipefail; ${script}`], { stdio: 'inherit' });
  const elapsed = performance.now() - started;
  shellSizes['tar.gz'] = statSync(`${out}/a.tar.gz`).size;
  shellSizes.zip = statSync(`${out}/a.zip`).size;
  console.log(`  shell ${tag}:                 ${elapsed.toFixed(0).padStart(6)} ms`);
  return elapsed;
}

type StoredFile = { archiveType: string; size: number; sha256: string };
const mb = (bytes: number) => (bytes / 1048576).toFixed(2);
const check = (ok: boolean) => (ok ? 'ok' : 'MISSED');

// (b): a worker process; S3 runs in a process of its own.
const bench = await benchEnvironment(WORK, 'warn');
const config = loadConfig(bench.env);
const worker = startStandaloneWorker(ROOT, bench.env); // bundles dist/, as `npm start` does first
const harness = await setUpProject(config, pino({ level: 'warn' }), corpus.url);
// (a): npm start's process.
const start = await startNpmStart(ROOT, WORK);
await start.createProject('drupal', corpus.url, 'core');

const filesA = new Map<string, StoredFile[]>();
const filesB = new Map<string, StoredFile[]>();
let latencyMedian = Number.NaN;
try {
  console.log('\nCold (first fetch clones the repository), then alternating rounds on the warm cache:');
  const runA = async (tag: string) => {
    const { ms, release } = await start.release('drupal', tag);
    filesA.set(tag, release.files as StoredFile[]);
    console.log(`  (a) npm start ${tag}:         ${ms.toFixed(0).padStart(6)} ms`);
    return ms;
  };
  const runB = async (tag: string) => {
    const [workerBefore, s3Before] = [cpuByThread(worker.pid), cpuByThread(bench.s3Pid)];
    const ms = await publishAndWait(harness, tag);
    const [workerAfter, s3After] = [cpuByThread(worker.pid), cpuByThread(bench.s3Pid)];
    filesB.set(tag, (await getRelease(harness.registry, 'drupal', tag)).files);
    console.log(`  (b) worker ${tag}:            ${ms.toFixed(0).padStart(6)} ms`);
    // Where the two cores went (git's CPU is the worker's reaped children: see bench:package-cpu).
    console.log(`        worker CPU by thread (ms): ${formatThreadCpu(workerBefore, workerAfter)}`);
    console.log(`        S3 server's process CPU (ms): ${formatThreadCpu(s3Before, s3After)}`);
    return ms;
  };
  const coldA = await runA(corpus.tags[0]!);
  const coldB = await runB(corpus.tags[0]!);
  const a: number[] = [];
  const b: number[] = [];
  const base: number[] = [];
  for (const tag of corpus.tags.slice(1, 1 + RUNS)) {
    base.push(baseline(tag));
    a.push(await runA(tag));
    b.push(await runB(tag));
  }

  const shell = median(base);
  const ratioA = median(a) / shell;
  const ratioB = median(b) / shell;
  const rssA = start.memory.peakTreeKb() / 1024;
  const rssB = worker.peakRssKb() / 1024;
  console.log('\nResult (medians of the warm rounds)');
  console.log(`  shell steps:               ${shell.toFixed(0)} ms`);
  console.log(
    `  (a) npm start:             ${median(a).toFixed(0)} ms  ratio ${ratioA.toFixed(2)}  (target ≤ ` +
      `${TARGET.npmStart})  ${check(ratioA <= TARGET.npmStart)}   cold ${coldA.toFixed(0)} ms`,
  );
  console.log(
    `  (b) worker, S3 elsewhere:  ${median(b).toFixed(0)} ms  ratio ${ratioB.toFixed(2)}  (target ≤ ` +
      `${TARGET.worker})  ${check(ratioB <= TARGET.worker)}   cold ${coldB.toFixed(0)} ms`,
  );
  console.log(
    `  (a) peak RSS, everything npm start runs: ${rssA.toFixed(0)} MB  (target ≤ ${TARGET.npmStartRssMb}) ` +
      ` ${check(rssA <= TARGET.npmStartRssMb)}`,
  );
  console.log(
    `      at that peak (MB): ${start.memory.peakParts()}; its node process alone peaked at ` +
      `${(start.memory.peakRootKb() / 1024).toFixed(0)} MB`,
  );
  console.log(
    `  (b) peak RSS, worker:                    ${rssB.toFixed(0)} MB  (target ≤ ${TARGET.workerRssMb}) ` +
      ` ${check(rssB <= TARGET.workerRssMb)}`,
  );

  // Reproducible: (a) and (b) packaged every tag independently; the bytes must agree.
  const mismatched = [...filesA].filter(([tag, files]) => {
    const other = filesB.get(tag) ?? [];
    return files.some((file) => other.find((o) => o.archiveType === file.archiveType)?.sha256 !== file.sha256);
  });
  console.log(
    `  rebuilt archives bit-identical ((a) vs (b), ${filesA.size} tags, sha256): ${mismatched.length === 0 ? 'ok' : `MISSED for ${mismatched.map(([tag]) => tag).join(', ')}`}`,
  );
  const last = filesB.get(corpus.tags[RUNS]!) ?? [];
  for (const type of ['tar.gz', 'zip'] as const) {
    const size = last.find((file) => file.archiveType === type)?.size ?? 0;
    const ratio = size / shellSizes[type];
    console.log(
      `  ${type.padEnd(6)} size: ${mb(size)} MB vs ${type === 'zip' ? 'zip -9 ' : 'gzip -9'} ` +
        `${mb(shellSizes[type])} MB  (${ratio.toFixed(3)}×, target ≤ ${TARGET.sizeSlack}) ` +
        ` ${check(ratio <= TARGET.sizeSlack)}`,
    );
  }
} finally {
  await start.stop();
  await worker.stop();
  await harness.close();
  await bench.drop();
}

// The small-module latency, in its own environment (bench/latency.ts).
const output = execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'latency.ts')], {
  cwd: ROOT,
  env: { ...process.env, BENCH_ROUNDS: process.env.BENCH_ROUNDS_LATENCY ?? '15' },
  encoding: 'utf8',
});
process.stdout.write(output);
latencyMedian = Number(/push → published:\s+median (\d+)/.exec(output)?.[1]);
console.log(
  `  50-file module push → published median: ${latencyMedian} ms  (target < ${TARGET.latencyMs}) ` +
    ` ${check(latencyMedian < TARGET.latencyMs)}`,
);

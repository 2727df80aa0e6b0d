/**
 * `npm run bench:package`: packages a Drupal-core-sized tag end to end (git fetch, both
 * archives, four digests, upload to S3, publish) and, in the same run, times the plain
 * shell baseline: git archive | gzip -9 -n, git archive --format=zip, then md5sum, sha1sum,
 * sha256sum and sha512sum of both. Prints both wall times, their ratio and the worker's peak RSS.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@packhouse/config';
import { pino } from 'pino';
import { getRelease } from '@packhouse/registry';
import { ensureCorpus } from './corpus.ts';
import { benchEnvironment, publishAndWait, setUpProject, startStandaloneWorker } from './harness.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORK = path.join(ROOT, 'bench', '.work');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

mkdirSync(WORK, { recursive: true });
const corpus = ensureCorpus(WORK);
console.log(`corpus: ${corpus.dir} (${corpus.files} files, ~${Math.round(corpus.bytes / 1048576)} MB)`);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

// The baseline: git archive | gzip -9 -n; git archive --format=zip; md5/sha1/sha256/sha512sum.
function baseline(tag: string): number {
  const out = path.join(WORK, 'baseline');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  const script = [
    `git -C "${corpus.dir}" archive --format=tar --prefix=drupal-${tag}/ ${tag} | gzip -9 -n > "${out}/a.tar.gz"`,
    `git -C "${corpus.dir}" archive --format=zip --prefix=drupal-${tag}/ ${tag} > "${out}/a.zip"`,
    ...['md5sum', 'sha1sum', 'sha256sum', 'sha512sum'].map((tool) => `${tool} "${out}/a.tar.gz" "${out}/a.zip" > /dev/null`),
  ].join(' && ');
  const started = performance.now();
  execFileSync('bash', ['-c', `set -o pipefail; ${script}`], { stdio: 'inherit' });
  const elapsed = performance.now() - started;
  const sizes = `tar.gz ${(statSync(`${out}/a.tar.gz`).size / 1048576).toFixed(1)} MB, zip ${(statSync(`${out}/a.zip`).size / 1048576).toFixed(1)} MB`;
  console.log(`  baseline ${tag}: ${elapsed.toFixed(0)} ms (${sizes})`);
  return elapsed;
}

const bench = await benchEnvironment(WORK, 'warn');
const { env } = bench;
const config = loadConfig(env);
const log = pino({ level: 'warn' });
const worker = startStandaloneWorker(ROOT, env);
const harness = await setUpProject(config, log, corpus.url);

try {
  console.log('\nPackhouse (worker process, end to end: request → published):');
  const cold = await publishAndWait(harness, corpus.tags[0]!);
  console.log(`  ${corpus.tags[0]} (cold: first fetch clones the repository): ${cold.toFixed(0)} ms`);
  // Interleaved, so both sides see the same machine.
  const warm: number[] = [];
  const base: number[] = [];
  const warmTags = corpus.tags.slice(1, 1 + RUNS);
  for (const tag of warmTags) {
    const elapsed = await publishAndWait(harness, tag);
    warm.push(elapsed);
    console.log(`  Packhouse ${tag} (warm cache, incremental fetch): ${elapsed.toFixed(0)} ms`);
    base.push(baseline(tag));
  }

  const last = await getRelease(harness.registry, 'drupal', warmTags[warmTags.length - 1] ?? corpus.tags[0]!);
  console.log(`  Packhouse archives: ${last.files.map((file) => `${file.archiveType} ${(file.size / 1048576).toFixed(1)} MB`).join(', ')} (gzip/deflate level 6)`);
  const peakKb = worker.peakRssKb();
  const packhouse = median(warm);
  const shell = median(base);
  console.log('\nResult');
  console.log(`  baseline median:        ${shell.toFixed(0)} ms`);
  console.log(`  Packhouse warm median:  ${packhouse.toFixed(0)} ms   (cold ${cold.toFixed(0)} ms)`);
  console.log(`  ratio Packhouse/baseline: ${(packhouse / shell).toFixed(2)}  (target ≤ 1.00)`);
  console.log(`  ratio cold/baseline:      ${(cold / shell).toFixed(2)}`);
  console.log(`  worker peak RSS: ${(peakKb / 1024).toFixed(0)} MB  (target ≤ 300 MB)`);
} finally {
  await worker.stop();
  await harness.close();
  await bench.drop();
}

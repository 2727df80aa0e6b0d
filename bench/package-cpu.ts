/**
 * `npm run bench:package-cpu`: the CPU time (user + sys, which the other processes on a
 * loaded machine barely disturb, unlike wall time) of packaging the core-sized corpus in
 * this process (checkout on a warm cache, both archives, four digests, bytes discarded: no
 * S3), against the shell steps' CPU time. `BENCH_PROFILE=1` also writes a V8 CPU profile
 * to bench/.work/profiles/ (open it in Chrome DevTools or speedscope).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { archives, checkout, digestingStream } from '@packhouse/packager';
import { ensureCorpus } from './corpus.ts';
import { cpuByThread, formatThreadCpu, threadCpu } from './lib/threads.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORK = path.join(ROOT, 'bench', '.work');
const corpus = ensureCorpus(WORK);
const tag = corpus.tags[1]!;

if (process.env.BENCH_PROFILE && !process.execArgv.includes('--cpu-prof')) {
  // Re-run this script under the profiler.
  const dir = path.join(WORK, 'profiles');
  mkdirSync(dir, { recursive: true });
  execFileSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_PROFILE: '' },
  });
  console.log(`profile written to ${dir}`);
  process.exit(0);
}

const cache = path.join(WORK, 'cpu-git-cache');
const git = { cacheDir: cache, allowedSources: ['file://'], timeoutMs: 120_000 };
const limits = { maxFileBytes: 100 << 20, maxTotalBytes: 500 << 20, maxFiles: 50_000 };
const source = () => checkout({ project: 'drupal', gitUrl: corpus.url, ref: { tag }, git, limits });
await source(); // warm the cache, as a worker's is

// Where the memory is at its peak: V8's heap or buffers outside it.
const peak = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
const memoryTimer = setInterval(() => {
  const usage = process.memoryUsage();
  if (usage.rss > peak.rss)
    Object.assign(peak, {
      rss: usage.rss,
      heapUsed: usage.heapUsed,
      external: usage.external,
      arrayBuffers: usage.arrayBuffers,
    });
}, 20);

const cpu = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;
/**
 * CPU time of the main thread alone (its utime + stime from the kernel, in ms). Unlike the
 * event loop's busy time, it does not grow when other load keeps the thread off a core.
 */
const mainThreadCpu = () => threadCpu(process.pid, process.pid).ms;
const threadsBefore = cpuByThread(process.pid);
const selfStart = process.cpuUsage();
const loopStart = performance.eventLoopUtilization();
const mainStart = mainThreadCpu();
const wallStart = performance.now();
const checked = await source();
const afterCheckout = process.cpuUsage(selfStart);
const built = await archives(checked, { project: 'drupal', version: tag, type: 'core' });
const sizes = await Promise.all(
  [built.tarGz, built.zip].map(async (body) => {
    const { stream, digests } = digestingStream();
    await pipeline(body, stream, new Writable({ write: (_chunk, _encoding, callback) => callback() }));
    return (await digests).size;
  }),
);
const wall = performance.now() - wallStart;
const threadsAfter = cpuByThread(process.pid);
clearInterval(memoryTimer);
const self = process.cpuUsage(selfStart);
const loop = performance.eventLoopUtilization(loopStart);
const mainCpu = mainThreadCpu() - mainStart;
// Children's (git's) CPU time, from the kernel's accounting of reaped children.
const gitCpu = Number(
  execFileSync('bash', ['-c', `awk '{print ($16+$17)*10}' /proc/${process.pid}/stat`], { encoding: 'utf8' }),
);

const shellCpu = Number(
  execFileSync(
    'bash',
    [
      '-c',
      `TIMEFORMAT='%U %S'; { time (git -C "${corpus.dir}" archive --format=tar ${tag} | gzip -9 -n > ` +
        `/tmp/pkcpu.tgz; git -C "${corpus.dir}" archive --format=zip -9 ${tag} > /tmp/pkcpu.zip; for t in ` +
        `md5sum sha1sum sha256sum sha512sum; do $t /tmp/pkcpu.tgz /tmp/pkcpu.zip > /dev/null; done) ; } 2>&1 | ` +
        `awk '{print ($1+$2)*1000}'; rm -f /tmp/pkcpu.tgz /tmp/pkcpu.zip`,
    ],
    { encoding: 'utf8' },
  ).trim(),
);
console.log(
  `Packaging ${tag} in-process (no S3): tar.gz ${(sizes[0]! / 1048576).toFixed(1)} MB, zip ` +
    `${(sizes[1]! / 1048576).toFixed(1)} MB`,
);
console.log(`  wall ${wall.toFixed(0)} ms (noisy on a loaded machine)`);
console.log(
  `  CPU: node ${cpu(self).toFixed(0)} ms (checkout ${cpu(afterCheckout).toFixed(0)} ms), git children ` +
    `${gitCpu.toFixed(0)} ms, total ${(cpu(self) + gitCpu).toFixed(0)} ms`,
);
const MB = (bytes: number) => (bytes / 1048576).toFixed(0);
console.log(
  `  peak RSS of this process: ${MB(process.resourceUsage().maxRSS * 1024)} MB; at the sampled peak ` +
    `${MB(peak.rss)} MB: V8 heap ${MB(peak.heapUsed)} MB, buffers ${MB(peak.arrayBuffers)} MB`,
);
console.log(
  `  main thread: CPU ${mainCpu.toFixed(0)} ms, busy ${loop.active.toFixed(0)} ms of the wall time (busy also ` +
    `counts time the thread waited for a core; the rest of node's CPU is zlib on the thread pool and the ` +
    `deflate threads)`,
);
console.log(`  by thread (ms): ${formatThreadCpu(threadsBefore, threadsAfter)}`);
console.log(`  shell steps' CPU: ${shellCpu.toFixed(0)} ms  (ratio ${((cpu(self) + gitCpu) / shellCpu).toFixed(2)})`);
rmSync(cache, { recursive: true, force: true });

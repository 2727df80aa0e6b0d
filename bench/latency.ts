/**
 * `npm run bench:latency`: tag push → published latency for a small module (about 50
 * files) with one idle worker. Each round tags a new version, delivers the GitLab webhook
 * to the API and polls Postgres until the release is published. Prints the webhook's own
 * answer time, the end-to-end median and p90, the worker's breakdown (fetch, package and
 * upload, publish) from its log, to show what dominates, and the worker's CPU time per release.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '@packhouse/api';
import { loadConfig } from '@packhouse/config';
import { pino } from 'pino';
import { benchEnvironment, setUpProject, startStandaloneWorker } from './harness.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORK = path.join(ROOT, 'bench', '.work');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

// A small module: 50 files of PHP, YAML, Twig and JS.
const repo = path.join(WORK, `module-${randomBytes(3).toString('hex')}`);
mkdirSync(repo, { recursive: true });
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'gc.auto=0', '-c', 'user.name=bench', '-c', 'user.email=bench@example.org', ...args], {
    cwd: repo,
    encoding: 'utf8',
  }).trim();
git('init', '-q', '-b', 'main');
for (let i = 0; i < 50; i++) {
  const file = i === 0 ? 'bench_module.info.yml' : `src/Part${i}.${['php', 'yml', 'twig', 'js'][i % 4]}`;
  mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
  // The info file must stay valid YAML (packaging refuses one that is not); the rest is filler.
  const fill = i === 0 ? '' : `for n in $(seq 1 40); do echo "line $n of ${file}" >> '${file}'; done`;
  execFileSync(
    'bash',
    ['-c', `printf '%s\\n' "name: Bench module" "type: module" "core_version_requirement: ^10" > '${file}'; ${fill}`],
    { cwd: repo },
  );
}
execFileSync('bash', ['-c', 'echo "Changes" > CHANGELOG.txt'], { cwd: repo });
git('add', '-A');
git('commit', '-q', '-m', 'Initial');

const bench = await benchEnvironment(WORK, 'info');
const { env } = bench;
const config = loadConfig({ ...env, LOG_LEVEL: 'warn' });
const { registry, webhookSecret, published, close } = await setUpProject(
  config,
  pino({ level: 'warn' }),
  `file://${repo}`,
  {
    name: 'bench_module',
    title: 'Bench',
    type: 'module',
  },
);
const app = await buildApp(registry);

const breakdown: Array<{ fetch_ms: number; package_ms: number; publish_ms: number }> = [];
const worker = startStandaloneWorker(ROOT, env, (line) => {
  if (line.includes('"Release published."')) breakdown.push(JSON.parse(line));
});
await new Promise((resolve) => setTimeout(resolve, 1500)); // let the worker connect and go idle

const totals: number[] = [];
const answers: number[] = [];
const cpuBefore = worker.cpuSeconds();
try {
  for (let round = 0; round < ROUNDS; round++) {
    const tag = `1.0.${round}`;
    execFileSync('bash', ['-c', `echo "change ${round}" >> CHANGELOG.txt`], { cwd: repo });
    git('commit', '-qam', `Release ${tag}`);
    git('tag', tag);
    const started = performance.now();
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/hooks/gitlab',
      headers: {
        'content-type': 'application/json',
        'x-gitlab-event': 'Tag Push Hook',
        'x-gitlab-token': webhookSecret,
      },
      payload: JSON.stringify({
        object_kind: 'tag_push',
        ref: `refs/tags/${tag}`,
        after: git('rev-parse', 'HEAD'),
        project: { git_http_url: `file://${repo}` },
      }),
    });
    answers.push(performance.now() - started);
    if (response.statusCode !== 202) throw new Error(`webhook answered ${response.statusCode}: ${response.body}`);
    // Told by the database when it is published (lib/published.ts): a poll every 2 ms took
    // the bench's and Postgres's CPU from the two cores the worker runs on.
    await published.until(async () => {
      const row = await registry.db
        .selectFrom('releases')
        .select(['status', 'error'])
        .where('version', '=', tag)
        .executeTakeFirstOrThrow();
      if (row.status === 'failed') throw new Error(`${tag} failed: ${row.error}`);
      return row.status === 'published' ? true : undefined;
    });
    totals.push(performance.now() - started);
  }
  const median = (key: 'fetch_ms' | 'package_ms' | 'publish_ms') =>
    percentile(
      breakdown.map((entry) => entry[key]),
      50,
    );
  console.log(`\nTag push → published, small module (50 files), one idle worker, ${ROUNDS} rounds`);
  console.log(
    `  webhook answer:      median ${percentile(answers, 50).toFixed(1)} ms, p90 ` +
      `${percentile(answers, 90).toFixed(1)} ms`,
  );
  console.log(
    `  push → published:    median ${percentile(totals, 50).toFixed(0)} ms, p90 ` +
      `${percentile(totals, 90).toFixed(0)} ms  (target: median < 200 ms)`,
  );
  console.log(
    `  worker, per release (median): git fetch ${median('fetch_ms')} ms, package + upload ` +
      `${median('package_ms')} ms, publish ${median('publish_ms')} ms`,
  );
  const work = median('fetch_ms') + median('package_ms') + median('publish_ms');
  console.log(`  queue pickup and polling: about ${(percentile(totals, 50) - work).toFixed(0)} ms`);
  // CPU time moves far less than wall time with other load on the machine.
  const cpuMs = ((worker.cpuSeconds() - cpuBefore) * 1000) / ROUNDS;
  console.log(
    `  worker CPU per release: ${cpuMs.toFixed(0)} ms (its git processes not included); ` +
      `its RSS after the rounds ${Math.round(worker.rssKb() / 1024)} MB`,
  );
} finally {
  await worker.stop();
  await app.close();
  await close();
  await bench.drop();
  rmSync(repo, { recursive: true, force: true });
}

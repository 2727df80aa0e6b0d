/**
 * `npm run bench:mirror`: the change feed's page cost against its history, and the mirror's
 * download rate against curl.
 *
 * 1. Seeds 200,000 changes into a database of its own, written by 20,000 committed
 *    transactions of 10, and starts one API process (the bundle) as production runs it, free
 *    to use both cores: pinned to one, V8's concurrent marking threads share the requests'
 *    core, and each major collection shows as a 20-60 ms stall in the tail (measured here:
 *    p99 55-64 ms pinned, 30-33 ms not). Times GET /api/v1/changes?limit=1000 from a cursor
 *    near the head and from one far back, in alternation, on loopback, by one curl process
 *    (request to last byte: the server's time plus the loopback transfer, an upper bound of
 *    server time), and the API process's CPU time per page (which waiting for a busy core does
 *    not inflate). Target: p99 < 50 ms for both.
 * 2. Seeds 2,000 small archives (4 KB, real files in S3, real signed release statements) into
 *    a second database served by another API process (CPU 0), then alternately runs the mirror
 *    (`dist/mirror.mjs --once`, verifying size, sha256 and signatures, fsync + rename per file)
 *    and curl (`--parallel`, writing the same files) with the same concurrency, both on
 *    CPU 1, each into an empty folder. Target: mirror >= 0.8x curl's files per second.
 * BENCH_RUNS (default 3), BENCH_REQUESTS (default 300) and BENCH_CONCURRENCY (default 8) tune it;
 * BENCH_PART=pages or BENCH_PART=mirror runs one half; BENCH_PROFILE=1 writes a V8 CPU profile of
 * the pages' API process to bench/profiles/.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@packhouse/config';
import { dropDatabase, files, releases } from '@packhouse/db';
import {
  authenticate,
  connectRegistry,
  createProject,
  ensureAdmin,
  newToken,
  recordReleaseChange,
} from '@packhouse/registry';
import { pino } from 'pino';
import { encodeCursor } from '../packages/registry/src/change-cursor.ts';
import { bundle, get, pinned, startApi, type Server } from './feed-servers.ts';
import { benchDatabaseUrl, connectClient, recreateDatabase } from './lib/database.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WORK = path.join(ROOT, 'bench', '.work', 'mirror');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const PART = process.env.BENCH_PART ?? 'all';
const EVENTS = 200_000;
const ARCHIVES = 2_000;
const running = new Set<Server>();

const fmt = (n: number, digits = 1) => n.toFixed(digits);
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function apiEnv(database: string, name: string) {
  return {
    DATABASE_URL: database,
    PUBLIC_URL: 'https://packhouse.example.org',
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: `bench-mirror-${name}`,
    S3_DATA_DIR: path.join(WORK, `s3-${name}`),
    S3_BUCKET: 'bench',
    SIGNING_KEY_FILE: path.join(WORK, 'signing-key'),
    // The seeded project is never fetched; a file:// URL needs no name lookup.
    GIT_ALLOWED_SOURCES: 'file://',
  };
}

async function seedEvents(url: string): Promise<void> {
  await recreateDatabase(url);
  const client = await connectClient(url);
  try {
    // One transaction id per ten changes, as many publishing transactions would leave them.
    await client.query(`
      DO $$ BEGIN
        FOR i IN 0..${EVENTS / 10 - 1} LOOP
          INSERT INTO changes (type, project, version, revision, files, published_at, detail, signature)
          SELECT 'release.published', format('project_%s', lpad(((i * 10 + j) % 10000)::text, 5, '0')), format('2.0.%s', i * 10 + j), 1,
                 jsonb_build_array(
                   jsonb_build_object('name', format('project_%s-2.0.%s.tar.gz', (i * 10 + j) % 10000, i * 10 + j), 'size', 10000 + j, 'sha256', md5(i::text) || md5(j::text)),
                   jsonb_build_object('name', format('project_%s-2.0.%s.zip', (i * 10 + j) % 10000, i * 10 + j), 'size', 12000 + j, 'sha256', md5(j::text) || md5(i::text))),
                 now(), '{"status": "published", "insecure": false, "releaseTypes": ["bugfix"]}',
                 jsonb_build_object('keyid', md5('key'), 'sig', encode(sha512(i::text::bytea) || sha512(j::text::bytea), 'base64'))
            FROM generate_series(0, 9) AS j;
          COMMIT;
        END LOOP;
      END $$`);
    await client.query('ANALYZE changes');
  } finally {
    await client.end();
  }
}

async function timePages(api: Server, url: string): Promise<void> {
  const client = await connectClient(url);
  const { rows } = await client.query(`SELECT token FROM change_feed_epochs ORDER BY id DESC LIMIT 1`);
  const near = await client.query(
    `SELECT txid::text, id::text FROM changes ORDER BY txid, id OFFSET ${EVENTS - 1500} LIMIT 1`,
  );
  await client.end();
  // A first reader walks the whole history once, which stores the event text of every seeded row
  // (as it does for history from before the text was stored); every later read serves stored text.
  const walk = performance.now();
  for (let since = '', more = true; more;) {
    const page = JSON.parse((await get(`${api.url}/api/v1/changes?limit=10000${since}`)).body.toString('utf8'));
    [since, more] = [`&since=${page.next}`, page.hasMore];
  }
  console.log(`Walked the whole feed once (event texts stored) in ${fmt((performance.now() - walk) / 1000)} s`);
  // Storing 200,000 texts at once left dead row versions and dirty pages that autovacuum and the
  // checkpointer would otherwise work off during the timed reads; in service each text is written
  // with its change, so the timed reads start from the settled table they would meet there.
  const settle = await connectClient(url);
  await settle.query('VACUUM (ANALYZE) changes');
  await settle.query('CHECKPOINT');
  await settle.end();
  const first = JSON.parse((await get(`${api.url}/api/v1/changes?limit=1000`)).body.toString('utf8'));
  const cursors = {
    'far back (event 1,000 of 200,000)': first.next as string,
    'near the head (event 198,500)': encodeCursor({
      epoch: rows[0].token,
      position: { txid: near.rows[0].txid, id: near.rows[0].id },
    }),
  };
  for (const [name, cursor] of Object.entries(cursors)) {
    const page = JSON.parse((await get(`${api.url}/api/v1/changes?limit=1000&since=${cursor}`)).body.toString('utf8'));
    if (page.events.length !== 1000) throw new Error(`${name}: a page of ${page.events.length} events, not 1,000`);
  }
  // The client is one curl process on one kept-alive connection, the requests alternating between the
  // two cursors: the timings are curl's own, free of this process's garbage collection (it holds every
  // page it walked above), which an in-process client would add to the server's time.
  const names = Object.keys(cursors);
  const config = path.join(WORK, 'pages.curl');
  mkdirSync(WORK, { recursive: true });
  const urls: string[] = [];
  for (let i = 0; i < REQUESTS + 20; i++)
    for (const cursor of Object.values(cursors)) urls.push(`${api.url}/api/v1/changes?limit=1000&since=${cursor}`);
  writeFileSync(config, urls.map((url) => `url = "${url}"\noutput = "/dev/null"\n`).join(''));
  const cpuBefore = cpuMs(api.pid);
  const curl = spawnSync('curl', ['-sS', '--fail', '--config', config, '-w', '%{http_code} %{time_total}\\n'], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const cpuPerPage = (cpuMs(api.pid) - cpuBefore) / urls.length;
  if (curl.status !== 0) throw new Error(`curl failed: ${curl.stderr}`);
  const lines = curl.stdout.trim().split('\n');
  if (lines.length !== urls.length) throw new Error(`curl reported ${lines.length} of ${urls.length} requests`);
  const times = new Map<string, number[]>(names.map((name) => [name, []]));
  lines.forEach((line, i) => {
    const [status, seconds] = line.split(' ');
    if (status !== '200') throw new Error(`request ${i}: ${status}`);
    if (i >= 20 * names.length) times.get(names[i % names.length]!)!.push(Number(seconds) * 1000);
  });
  console.log(
    `\nChange feed: a page of 1,000 events with ${EVENTS.toLocaleString('en')} in the table (${REQUESTS} ` +
      `requests each, alternating, one kept-alive curl client; API process CPU ${fmt(cpuPerPage)} ms per page)`,
  );
  for (const [name, values] of times) {
    values.sort((a, b) => a - b);
    const p99 = quantile(values, 0.99);
    console.log(
      `  ${name.padEnd(36)} median ${fmt(quantile(values, 0.5))} ms   p99 ${fmt(p99)} ms ` +
        `  ${p99 < 50 ? 'meets' : 'MISSES'} p99 < 50 ms`,
    );
  }
}

/** CPU time (user + system) the process has used, in ms: unlike wall time, not inflated by waiting for a core. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function seedArchives(url: string): Promise<string[]> {
  await recreateDatabase(url);
  const config = loadConfig({ ...process.env, ...apiEnv(url, 'files') });
  const { registry, close } = await connectRegistry(config, pino({ level: 'warn' }), 'api');
  try {
    await registry.storage.ensureBucket();
    const adminToken = newToken();
    await ensureAdmin(registry.db, adminToken);
    await createProject(registry, await authenticate(registry.db, adminToken), {
      name: 'bench',
      title: 'Bench',
      type: 'module',
      gitUrl: 'file:///srv/git/bench.git',
    });
    const project = (
      await registry.db.selectFrom('projects').select('id').where('name', '=', 'bench').executeTakeFirstOrThrow()
    ).id;
    const names: string[] = [];
    let next = 0;
    const seedOne = async () => {
      while (next < ARCHIVES) {
        const version = `1.0.${next++}`;
        const name = `bench-${version}.tar.gz`;
        const bytes = randomBytes(4096);
        const key = `archives/bench/${version}/${name}`;
        await registry.storage.upload(key, name, Readable.from([bytes]));
        const digest = (algorithm: string) => createHash(algorithm).update(bytes).digest('hex');
        await registry.db.transaction().execute(async (tx) => {
          const release = (await releases.insertRelease(tx, {
            projectId: project,
            version,
            tag: version,
            status: 'published',
            commit: digest('sha1'),
            publishedAt: new Date(),
          }))!;
          await files.insertFiles(tx, [
            {
              releaseId: release.id,
              name,
              archiveType: 'tar.gz',
              storageKey: key,
              size: bytes.length,
              md5: digest('md5'),
              sha1: digest('sha1'),
              sha256: digest('sha256'),
              sha512: digest('sha512'),
            },
          ]);
          await recordReleaseChange(registry, tx, release.id, 'release.published');
        });
        names.push(name);
      }
    };
    await Promise.all(Array.from({ length: 16 }, seedOne));
    return names;
  } finally {
    await close();
  }
}

function timed(command: string, args: string[]): Promise<number> {
  const [cmd, argv] = pinned(1, command, args);
  const started = performance.now();
  const child = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  return new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`${command} exited with ${code}`)),
    ),
  );
}

/** Earlier runs' output, removed before seeding (see `compareWithCurl`). */
function removeRunFolders(): void {
  for (let run = 0; run < RUNS; run++) {
    rmSync(path.join(WORK, `mirror-${run}`), { recursive: true, force: true });
    rmSync(path.join(WORK, `curl-${run}`), { recursive: true, force: true });
  }
}

/**
 * The two sides take turns going first. On ext4 without a journal (this machine's root), a
 * new file costs more the more inodes were freed in the last minutes, so whichever side
 * follows a deletion or the other side's run would otherwise always pay the same share.
 */
async function compareWithCurl(api: Server, names: string[]): Promise<void> {
  const rates = { mirror: [] as number[], curl: [] as number[] };
  for (let run = 0; run < RUNS; run++) {
    const mirrorDir = path.join(WORK, `mirror-${run}`);
    const curlDir = path.join(WORK, `curl-${run}`, 'files', 'projects');
    mkdirSync(curlDir, { recursive: true });
    const mirror = async () => {
      const seconds = await timed(process.execPath, [
        'dist/mirror.mjs',
        '--origin',
        api.url,
        '--dir',
        mirrorDir,
        '--once',
        '--concurrency',
        String(CONCURRENCY),
      ]);
      const mirrored = readdirSync(path.join(mirrorDir, 'files', 'projects')).length;
      if (mirrored !== names.length) throw new Error(`the mirror holds ${mirrored} archives, not ${names.length}`);
      return seconds;
    };
    const curl = () => {
      const config = path.join(WORK, 'curl.config');
      writeFileSync(
        config,
        names
          .map((name) => `url = "${api.url}/files/projects/${name}"\noutput = "${path.join(curlDir, name)}"\n`)
          .join(''),
      );
      return timed('curl', [
        '--silent',
        '--no-progress-meter',
        '--fail',
        '--parallel',
        '--parallel-max',
        String(CONCURRENCY),
        '--config',
        config,
      ]);
    };
    const mirrorFirst = run % 2 === 0;
    const first = await (mirrorFirst ? mirror() : curl());
    const second = await (mirrorFirst ? curl() : mirror());
    const [seconds, curlSeconds] = mirrorFirst ? [first, second] : [second, first];
    rates.mirror.push(names.length / seconds);
    rates.curl.push(names.length / curlSeconds);
    console.log(
      `  run ${run + 1} (${mirrorFirst ? 'mirror' : 'curl'} first): mirror ${fmt(names.length / seconds, 0)} files/s ` +
        `(${fmt(seconds, 2)} s)   curl ${fmt(names.length / curlSeconds, 0)} files/s (${fmt(curlSeconds, 2)} s)`,
    );
  }
  const ratio = median(rates.mirror) / median(rates.curl);
  console.log(
    `  median: mirror ${fmt(median(rates.mirror), 0)} files/s, curl ${fmt(median(rates.curl), 0)} files/s: ` +
      `${fmt(ratio, 2)}x curl, ${ratio >= 0.8 ? 'meets' : 'MISSES'} >= 0.8x`,
  );
}

async function main(): Promise<void> {
  if (spawnSync('sh', ['-c', 'command -v curl']).status !== 0)
    throw new Error('curl is missing: apt-get install -y curl');
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  bundle(ROOT);
  console.log('Shared machine: every figure below is noisy; compare within a run.');

  if (PART !== 'mirror') await benchPages();
  if (PART !== 'pages') await benchMirror();
  rmSync(WORK, { recursive: true, force: true });
}

async function benchPages(): Promise<void> {
  const pagesUrl = benchDatabaseUrl('packhouse_bench_mirror_pages');
  const started = performance.now();
  await seedEvents(pagesUrl);
  console.log(`Seeded ${EVENTS.toLocaleString('en')} changes in ${fmt((performance.now() - started) / 1000)} s`);
  const profile = process.env.BENCH_PROFILE
    ? ['--cpu-prof', '--cpu-prof-dir', path.join(ROOT, 'bench', 'profiles')]
    : [];
  const pagesApi = await startApi(ROOT, 3311, apiEnv(pagesUrl, 'pages'), profile, null);
  running.add(pagesApi);
  await timePages(pagesApi, pagesUrl);
  await pagesApi.stop();
  running.delete(pagesApi);
  await dropDatabase(pagesUrl);
}

async function benchMirror(): Promise<void> {
  const filesUrl = benchDatabaseUrl('packhouse_bench_mirror_files');
  removeRunFolders();
  const started = performance.now();
  const names = await seedArchives(filesUrl);
  console.log(
    `\nSeeded ${names.length.toLocaleString('en')} archives of 4 KB in ${fmt((performance.now() - started) / 1000)} s`,
  );
  const filesApi = await startApi(ROOT, 3312, apiEnv(filesUrl, 'files'));
  running.add(filesApi);
  console.log(
    `Mirror vs curl: ${names.length} archives on loopback, concurrency ${CONCURRENCY}, ${RUNS} alternating runs`,
  );
  await compareWithCurl(filesApi, names);
  await filesApi.stop();
  running.delete(filesApi);
  await dropDatabase(filesUrl);
}

try {
  await main();
} finally {
  for (const server of running) await server.stop();
}

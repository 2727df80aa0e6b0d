import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { changes } from '@packhouse/db';
import { client, createRepo, eventually, signUp, startStack, type Stack, type TestRepo } from '@packhouse/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Mirror, type MirrorState } from '../src/mirror.ts';
import { parseOptions } from '../src/options.ts';
import { Origin } from '../src/origin.ts';
import type { ChangesPage, Snapshot } from '../src/protocol.ts';
import { Trust } from '../src/trust.ts';
import { startProxy } from './origin-proxy.ts';

type Api = ReturnType<typeof client>;
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const PAUSING = fileURLToPath(new URL('./pausing-mirror.ts', import.meta.url));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('a mirror converges on a verified copy of the origin', () => {
  let stack: Stack;
  let alice: Api;
  let anonymous: Api;
  let origin: string;
  let repo: TestRepo;
  const dirs: string[] = [];

  const newDir = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'packhouse-mirror-'));
    dirs.push(dir);
    return dir;
  };
  const mirrorOnce = (originUrl: string, dir: string, extra: string[] = []) =>
    new Mirror(
      parseOptions(['--origin', originUrl, '--dir', dir, '--once', '--backoff-ms', '10', '--attempts', '2', ...extra]),
      pino({ level: 'silent' }),
    ).run();
  const publish = async (project: string, tag: string) => {
    await alice('POST', `/api/v1/projects/${project}/releases`, { tag });
    await eventually(
      async () => {
        const { body } = await anonymous('GET', `/api/v1/projects/${project}/releases/${tag}`);
        if (body.status === 'failed') throw new Error(body.error);
        return body.status === 'published' ? true : undefined;
      },
      60_000,
      `${project} ${tag}`,
    );
  };

  /** Every archive the origin lists and every feed the mirror holds, byte for byte. */
  const expectIdentical = async (dir: string) => {
    const snapshot = (await anonymous('GET', '/api/v1/snapshot')).body;
    const names: string[] = [];
    for (const project of snapshot.projects) {
      for (const release of project.releases) {
        for (const file of release.files) {
          names.push(file.name);
          const mirrored = await readFile(path.join(dir, 'files/projects', file.name));
          expect(sha256(mirrored), file.name).toBe(file.sha256);
          expect(mirrored.equals((await anonymous('GET', `/files/projects/${file.name}`)).raw), file.name).toBe(true);
        }
      }
      const selectors = await readdir(path.join(dir, 'release-history', project.name));
      expect(selectors).toEqual(expect.arrayContaining(['all', 'current']));
      for (const selector of selectors) {
        const mirrored = await readFile(path.join(dir, 'release-history', project.name, selector), 'utf8');
        expect(mirrored, `${project.name}/${selector}`).toBe(
          (await anonymous('GET', `/release-history/${project.name}/${selector}`)).raw.toString('utf8'),
        );
      }
    }
    expect(await readFile(path.join(dir, 'release-history/project-list/all'), 'utf8')).toBe(
      (await anonymous('GET', '/release-history/project-list/all')).raw.toString('utf8'),
    );
    expect((await readdir(path.join(dir, 'files/projects'))).sort()).toEqual(expect.arrayContaining(names.sort()));
    // Nothing half-written is left under a final name or in the temporary folder.
    expect(await readdir(path.join(dir, '.mirror/tmp'))).toEqual([]);
    return names;
  };

  beforeAll(async () => {
    stack = await startStack();
    stack.startWorker();
    stack.startWorker();
    origin = `http://127.0.0.1:${(stack.app.server.address() as AddressInfo).port}`;
    alice = await signUp(stack, 'alice');
    anonymous = client(stack.app);
    repo = await createRepo({
      'ctools.info.yml': 'name: Chaos tools\ntype: module\ncore_version_requirement: ^10\n',
      'src/a.php': '<?php\n',
    });
    for (const tag of ['8.x-1.0', '8.x-1.1', '7.x-1.0']) repo.tag(tag);
    repo.commit({
      'ctools.info.yml': 'name: Chaos tools\ntype: module\ncore_version_requirement: ^10\n',
      'src/a.php': '<?php\n// 2\n',
    });
    for (const tag of ['8.x-1.2', '2.0.0', '2.0.1']) repo.tag(tag);
    await alice('POST', '/api/v1/projects', { name: 'ctools', title: 'Chaos tools', type: 'module', gitUrl: repo.url });
    await alice('POST', '/api/v1/projects', { name: 'empty', title: 'Nothing yet', type: 'theme', gitUrl: repo.url });
    for (const tag of ['8.x-1.0', '8.x-1.1', '7.x-1.0', '8.x-1.2', '2.0.0', '2.0.1']) await publish('ctools', tag);
    await alice('PATCH', '/api/v1/projects/ctools/releases/8.x-1.0', { insecure: true });
  }, 120_000);
  afterAll(async () => {
    await stack.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('mirrors every archive and feed, and a second pass downloads nothing', async () => {
    const dir = await newDir();
    const first = await mirrorOnce(origin, dir);
    expect(first.parked).toEqual([]);
    expect(first.downloaded, JSON.stringify(first)).toBe(12);
    const names = await expectIdentical(dir);
    expect(names).toHaveLength(12);
    expect(await readdir(path.join(dir, 'release-history/ctools'))).toEqual(expect.arrayContaining(['7.x', '8.x']));
    const state = JSON.parse(await readFile(path.join(dir, '.mirror/state.json'), 'utf8')) as MirrorState;
    expect(state.cursor).toBeTruthy();

    const second = await mirrorOnce(origin, dir);
    expect([second.downloaded, second.events]).toEqual([0, 0]);
    // One mirror per folder: a live process's lock refuses a second; a dead one's is taken over.
    await writeFile(path.join(dir, '.mirror/lock'), String(process.ppid));
    await expect(mirrorOnce(origin, dir)).rejects.toThrow(`another mirror (pid ${process.ppid}) is using ${dir}`);
    await writeFile(path.join(dir, '.mirror/lock'), '2147483646');
    expect((await mirrorOnce(origin, dir)).parked).toEqual([]);
    expect(existsSync(path.join(dir, '.mirror/lock'))).toBe(false);
  });

  it(
    'a mirror killed mid-sync and restarted ends identical, without ' + 'downloading again what it had verified',
    async () => {
      const dir = await newDir();
      const slow = await startProxy(origin, { filesDelayMs: 300 });
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', MAIN, '--origin', slow.url, '--dir', dir, '--once', '--concurrency', '2'],
        { stdio: 'ignore' },
      );
      const archives = path.join(dir, 'files/projects');
      await eventually(
        async () => (existsSync(archives) && (await readdir(archives)).length >= 3 ? true : undefined),
        30_000,
        'a few archives',
      );
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const before = await readdir(archives);
      expect(before.length).toBeGreaterThanOrEqual(3);
      expect(before.length).toBeLessThan(12);
      const snapshot = (await anonymous('GET', '/api/v1/snapshot')).body;
      const expected = new Map<string, string>(
        snapshot.projects.flatMap((p: any) =>
          p.releases.flatMap((r: any) => r.files.map((f: any) => [f.name, f.sha256])),
        ),
      );
      // Whatever stands under a final name is whole and verified.
      for (const name of before)
        expect(sha256(await readFile(path.join(archives, name))), name).toBe(expected.get(name));
      await slow.close();

      const counting = await startProxy(origin);
      const resumed = await mirrorOnce(counting.url, dir);
      await counting.close();
      expect(resumed.parked).toEqual([]);
      const downloads = counting.requests
        .filter((url) => url.startsWith('/files/'))
        .map((url) => decodeURIComponent(url.slice('/files/projects/'.length)));
      for (const name of before) expect(downloads, `${name} was downloaded again`).not.toContain(name);
      expect(downloads.sort()).toEqual([...expected.keys()].filter((name) => !before.includes(name)).sort());
      await expectIdentical(dir);
    },
    60_000,
  );

  it(
    'a mirror killed after verifying archives but before renaming them leaves no final name for them, and ' +
      'downloads again only those',
    async () => {
      const dir = await newDir();
      // Three archives are committed; every later one stops after its fsync, before its rename.
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', PAUSING, '--origin', origin, '--dir', dir, '--once', '--concurrency', '2'],
        { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, PAUSE_AFTER: '3' } },
      );
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      const paused = await eventually(
        async () => {
          const lines = output.split('\n');
          const paused = lines.filter((line) => line.startsWith('paused '));
          const committed = lines.filter((line) => line.startsWith('committed '));
          return committed.length === 3 && paused.length >= 2
            ? paused.map((line) => line.split(' ').slice(1) as [string, string])
            : undefined;
        },
        30_000,
        'three archives committed and two verified, waiting for their rename',
      );
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));

      const snapshot = (await anonymous('GET', '/api/v1/snapshot')).body;
      const expected = new Map<string, string>(
        snapshot.projects.flatMap((p: any) =>
          p.releases.flatMap((r: any) => r.files.map((f: any) => [f.name, f.sha256])),
        ),
      );
      const archives = path.join(dir, 'files/projects');
      const before = await readdir(archives);
      expect(before).toHaveLength(3);
      for (const name of before)
        expect(sha256(await readFile(path.join(archives, name))), name).toBe(expected.get(name));
      for (const [name, temp] of paused) {
        // Verified and fsynced, but only in the temporary folder: the final name stays free.
        expect(before).not.toContain(name);
        expect(sha256(await readFile(temp)), name).toBe(expected.get(name));
      }
      // The page was not applied, so its cursor was not saved.
      expect(existsSync(path.join(dir, '.mirror/state.json'))).toBe(false);

      const counting = await startProxy(origin);
      const resumed = await mirrorOnce(counting.url, dir);
      await counting.close();
      expect(resumed.parked).toEqual([]);
      expect(resumed.present).toBe(3);
      const downloads = counting.requests
        .filter((url) => url.startsWith('/files/'))
        .map((url) => decodeURIComponent(url.slice('/files/projects/'.length)));
      expect(downloads.sort()).toEqual([...expected.keys()].filter((name) => !before.includes(name)).sort());
      for (const [name] of paused) expect(downloads).toContain(name);
      await expectIdentical(dir);
    },
    60_000,
  );

  it('overlaps pages, and downloads an archive once when consecutive pages announce it', async () => {
    const { cursor, epoch } = (await anonymous('GET', '/api/v1/snapshot')).body;
    // Two changes of one release in a row: each announces the release's archives again.
    await alice('PATCH', '/api/v1/projects/ctools/releases/2.0.1', { insecure: true });
    await alice('PATCH', '/api/v1/projects/ctools/releases/2.0.1', { insecure: false });
    await eventually(
      async () =>
        (await anonymous('GET', `/api/v1/changes?since=${cursor}`)).body.events.length === 2 ? true : undefined,
      30_000,
      'both changes in the feed',
    );
    // A mirror at the cursor before them, one event per page, downloads slow: the second page's
    // archives are handed over while the first page's are still downloading.
    const dir = await newDir();
    const slow = await startProxy(origin, { filesDelayMs: 300 });
    await mkdir(path.join(dir, '.mirror'));
    await writeFile(
      path.join(dir, '.mirror/state.json'),
      JSON.stringify({ origin: slow.url, epoch, cursor, parked: {} } satisfies MirrorState),
    );
    const result = await mirrorOnce(slow.url, dir, ['--page-size', '1']);
    await slow.close();
    expect([result.pages, result.events, result.downloaded, result.present]).toEqual([2, 2, 2, 2]);
    expect(slow.requests.filter((url) => url.startsWith('/files/')).sort()).toEqual([
      '/files/projects/ctools-2.0.1.tar.gz',
      '/files/projects/ctools-2.0.1.zip',
    ]);

    // The whole history in pages of three ends as identical as in one page.
    const paged = await newDir();
    const whole = await mirrorOnce(origin, paged, ['--page-size', '3']);
    expect([whole.parked, whole.downloaded]).toEqual([[], 12]);
    await expectIdentical(paged);
  });

  it('refuses an archive whose bytes differ from the signed sha256, and never writes it', async () => {
    const dir = await newDir();
    const victim = 'ctools-8.x-1.1.zip';
    const liar = await startProxy(origin, {
      tamper: (url, body) => {
        if (url !== `/files/projects/${victim}`) return body;
        const forged = Buffer.from(body);
        forged[forged.length - 1]! ^= 0xff;
        return forged;
      },
    });
    const result = await mirrorOnce(liar.url, dir);
    expect(result.parked).toEqual([`archive:${victim}`]);
    expect(existsSync(path.join(dir, 'files/projects', victim))).toBe(false);
    expect(existsSync(path.join(dir, 'files/projects/ctools-8.x-1.1.tar.gz'))).toBe(true);
    const state = JSON.parse(await readFile(path.join(dir, '.mirror/state.json'), 'utf8')) as MirrorState;
    expect(state.parked[`archive:${victim}`]!.reason).toContain('its signed metadata says');
    // The cursor moved on; the parked archive is retried on its own, and comes right once the origin does.
    liar.options.tamper = undefined;
    const healed = await mirrorOnce(liar.url, dir);
    await liar.close();
    expect(healed.parked).toEqual([]);
    expect(healed.downloaded).toBe(1);
    await expectIdentical(dir);
  });

  it('refuses a page whose release signature was tampered with, applying nothing and keeping its cursor', async () => {
    const dir = await newDir();
    const liar = await startProxy(origin, {
      tamper: (url, body) => {
        if (!url.startsWith('/api/v1/changes')) return body;
        const page = JSON.parse(body.toString('utf8'));
        const event = page.events.find((e: any) => e.version === '2.0.1');
        if (event) event.files[0].sha256 = sha256(Buffer.from('evil'));
        return Buffer.from(JSON.stringify(page));
      },
    });
    await expect(mirrorOnce(liar.url, dir)).rejects.toThrow("the page's events do not match its signed digest");
    await liar.close();
    expect(await readdir(path.join(dir, 'files/projects'))).toEqual([]);
    expect(existsSync(path.join(dir, '.mirror/state.json'))).toBe(false);
  });

  it('refuses to overwrite a verified archive with other bytes, loudly, and mirrors the rest', async () => {
    const dir = await newDir();
    await mirrorOnce(origin, dir);
    const victim = path.join(dir, 'files/projects/ctools-2.0.0.tar.gz');
    await writeFile(victim, 'bytes this mirror verified under another origin\n');
    // Replay from the beginning: the origin announces its own bytes for that name again.
    const state = JSON.parse(await readFile(path.join(dir, '.mirror/state.json'), 'utf8')) as MirrorState;
    await writeFile(path.join(dir, '.mirror/state.json'), JSON.stringify({ ...state, cursor: null }));
    const result = await mirrorOnce(origin, dir);
    expect(result.parked).toEqual(['archive:ctools-2.0.0.tar.gz']);
    expect(await readFile(victim, 'utf8')).toBe('bytes this mirror verified under another origin\n');
    const parked = JSON.parse(await readFile(path.join(dir, '.mirror/state.json'), 'utf8')).parked[
      'archive:ctools-2.0.0.tar.gz'
    ];
    expect(parked.reason).toContain('A verified archive is never overwritten');
  });

  it('refuses a page head or a snapshot past its expiry: metadata frozen or replayed by a mirror in between', async () => {
    const remote = new Origin(origin, 1);
    const trust = new Trust(remote);
    await trust.refresh();
    const snapshot = await remote.json<Snapshot>('/api/v1/snapshot');
    await trust.checkSnapshot(snapshot);
    await expect(trust.checkSnapshot(snapshot, Date.parse(snapshot.expires) + 1)).rejects.toThrow(
      `the snapshot expired at ${snapshot.expires}`,
    );
    const page = await remote.json<ChangesPage>(`/api/v1/changes?since=${snapshot.cursor}`);
    await trust.checkPage(page, snapshot.cursor);
    await expect(trust.checkPage(page, snapshot.cursor, Date.parse(page.head.expires) + 1)).rejects.toThrow(
      `the change feed page expired at ${page.head.expires} (frozen or replayed metadata)`,
    );
    // A page answering another cursor than the one asked for (a replay of an older answer) is refused too.
    await expect(trust.checkPage(page, null)).rejects.toThrow('another cursor than the one asked for');
    remote.close();
  });

  it('draws a progress line on a terminal, and writes plain log lines elsewhere', async () => {
    const drawn: string[] = [];
    const terminal = { write: (chunk: string) => drawn.push(chunk) > 0 } as unknown as NodeJS.WriteStream;
    const options = parseOptions(['--origin', origin, '--dir', await newDir(), '--once']);
    await new Mirror(options, pino({ level: 'silent' }), terminal).run();
    expect(drawn.join('')).toMatch(/\r\x1b\[2Kfiles 12\/12 · [\d.]+ MB\/[\d.]+ MB · [\d.]+ MB\/s/);

    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    await new Mirror({ ...options, dir: await newDir() }, log).run();
    const applied = lines.map((line) => JSON.parse(line)).filter((line) => line.msg === 'Page applied; cursor saved.');
    expect(applied.length).toBeGreaterThan(0);
    expect(applied[0].progress).toMatch(/^files \d+\/12 · /);
    expect(lines.join('')).not.toContain('\r');
  });

  it('answers a 410 by resynchronizing from the snapshot, then follows the feed again', async () => {
    const dir = await newDir();
    await mirrorOnce(origin, dir);
    const { epoch } = JSON.parse(await readFile(path.join(dir, '.mirror/state.json'), 'utf8')) as MirrorState;
    // The origin restored a backup: a new epoch, in which the mirror's cursor means nothing.
    await changes.startEpoch(stack.registry.db);
    repo.tag('2.0.2');
    await publish('ctools', '2.0.2');
    const result = await mirrorOnce(origin, dir);
    expect(result.resynced).toBe(true);
    expect(result.downloaded).toBe(2);
    const after = JSON.parse(await readFile(path.join(dir, '.mirror/state.json'), 'utf8')) as MirrorState;
    expect(after.epoch).not.toBe(epoch);
    await expectIdentical(dir);

    await alice('PATCH', '/api/v1/projects/ctools/releases/2.0.2', { status: 'unpublished' });
    const followed = await eventually(
      async () => {
        const pass = await mirrorOnce(origin, dir);
        return pass.events > 0 ? pass : undefined;
      },
      30_000,
      'the unpublished release',
    );
    expect([followed.resynced, followed.events, followed.downloaded]).toEqual([false, 1, 0]);
    expect(await readFile(path.join(dir, 'release-history/ctools/current'), 'utf8')).toContain(
      '<status>unpublished</status>',
    );
    await expectIdentical(dir);
  });

  it("drops a deleted project's release history and its line in the project list, and a new mirror starts from the snapshot", async () => {
    const dir = await newDir();
    // The origin is in a later epoch now (the test above): a mirror without a cursor resyncs from the snapshot.
    expect((await mirrorOnce(origin, dir)).resynced).toBe(true);
    expect(await readdir(path.join(dir, 'release-history/empty'))).toEqual(expect.arrayContaining(['current']));
    const archives = await readdir(path.join(dir, 'files/projects'));

    expect((await client(stack.app, stack.adminToken)('DELETE', '/api/v1/projects/empty')).status).toBe(204);
    // The feed may be a moment late (a transaction elsewhere holds its horizon): pass until the change arrives.
    const result = await eventually(
      async () => {
        const pass = await mirrorOnce(origin, dir);
        return pass.events > 0 ? pass : undefined;
      },
      30_000,
      'project.deleted',
    );
    expect([result.events, result.downloaded, result.parked]).toEqual([1, 0, []]);
    expect(existsSync(path.join(dir, 'release-history/empty'))).toBe(false);
    expect(await readFile(path.join(dir, 'release-history/project-list/all'), 'utf8')).not.toContain(
      '<short_name>empty</short_name>',
    );
    expect(await readdir(path.join(dir, 'files/projects'))).toEqual(archives);
    await expectIdentical(dir);
  });
});

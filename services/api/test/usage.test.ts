import { createHmac } from 'node:crypto';
import { buildApp } from '@packhouse/api';
import { usage } from '@packhouse/db';
import { createUsageRecorder, houseKeep, isoWeekLabel, isoWeekStart } from '@packhouse/registry';
import { sql } from 'kysely';
import { client, eventually, startStack, testClock, type Stack } from '@packhouse/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedRelease } from './feed-seed.ts';

type Api = ReturnType<typeof client>;
const T = 1_764_288_000;
const SECRET = 'usage-test-secret-0123456789';
const poll = (api: Api, project: string, query: string, selector = 'current') =>
  api('GET', `/release-history/${project}/${selector}?${query}`);
// What is stored of a site key: the first 64 bits of its HMAC-SHA256, as a signed bigint.
const stored = (key: string) => createHmac('sha256', SECRET).update(key).digest().readBigInt64BE(0).toString();

describe('ISO weeks (Monday start, UTC)', () => {
  it.each([
    ['2026-11-28T12:00:00Z', '2026-11-23', '2026-W48'],
    ['2026-11-23T00:00:00Z', '2026-11-23', '2026-W48'],
    ['2026-11-22T23:59:59Z', '2026-11-16', '2026-W47'],
    ['2026-01-01T00:00:00Z', '2025-12-29', '2026-W01'],
    ['2021-01-03T10:00:00Z', '2020-12-28', '2020-W53'],
    ['2024-12-30T00:00:00Z', '2024-12-30', '2025-W01'],
  ])('%s is in the week of %s (%s)', (at, monday, label) => {
    expect(isoWeekStart(new Date(at))).toBe(monday);
    expect(isoWeekLabel(monday)).toBe(label);
  });
});

describe('usage statistics from feed polls', () => {
  const clock = testClock();
  let stack: Stack;
  let admin: Api;
  let anonymous: Api;
  const usageOf = async (project: string, query = '') =>
    (await anonymous('GET', `/api/v1/projects/${project}/usage${query}`)).body;
  const counted = (project: string, sites: number) =>
    eventually(
      async () => {
        const body = await usageOf(project);
        return body.weeks[0]?.sites === sites ? body : undefined;
      },
      10_000,
      `${project} to count ${sites} sites`,
    );

  beforeAll(async () => {
    stack = await startStack({ USAGE_FLUSH_MS: '200', SITE_KEY_SECRET: SECRET }, { now: clock.now });
    admin = client(stack.app, stack.adminToken);
    anonymous = client(stack.app);
    for (const name of ['token', 'views']) {
      await admin('POST', '/api/v1/projects', { name, title: name, type: 'module', gitUrl: `file:///srv/${name}` });
      await seedRelease(stack.registry, name, { version: '8.x-1.0', commitTime: T });
    }
  });
  afterAll(() => stack.close());
  // Passing time in puts the process ahead of the database's clock: back after each test.
  afterEach(() => clock.reset());

  it('counts each site once per project and week, however often and whatever feed it polls', async () => {
    for (let i = 0; i < 5; i++)
      await poll(anonymous, 'token', 'site_key=site-a&version=8.x-1.0&list=token,token_custom');
    await poll(anonymous, 'token', 'site_key=site-a&version=8.x-1.0', 'all');
    await poll(anonymous, 'token', 'site_key=site-a&version=8.x-1.0', '7.x');
    await poll(anonymous, 'token', 'site_key=site-b&version=8.x-1.0');
    await poll(anonymous, 'token', 'site_key=site-b&version=8.x-1.0');
    await poll(anonymous, 'token', 'site_key=site-c&version=2.0.0-beta1');
    // Not counted: no version, no key, an unknown project, a key or version that is not plausible.
    await poll(anonymous, 'token', 'site_key=site-d');
    await poll(anonymous, 'token', 'version=8.x-1.0');
    await poll(anonymous, 'nope', 'site_key=site-e&version=1.0.0');
    await poll(anonymous, 'token', `site_key=${'k'.repeat(300)}&version=8.x-1.0`);
    await poll(anonymous, 'token', 'site_key=site-f&version=%3Cscript%3E');
    // Another project counts on its own.
    await poll(anonymous, 'views', 'site_key=site-a&version=8.x-1.0');

    const body = await counted('token', 3);
    const week = isoWeekStart(new Date());
    expect(body).toEqual({
      project: 'token',
      weeks: [
        {
          week: isoWeekLabel(week),
          weekStart: week,
          sites: 3,
          versions: [
            { version: '8.x-1.0', sites: 2 },
            { version: '2.0.0-beta1', sites: 1 },
          ],
        },
      ],
      // Composer installs (notify-batch) are listed beside: none here.
      composer: [],
    });
    await counted('views', 1);
  });

  it('counts a site under the first version it reports in a week', async () => {
    await poll(anonymous, 'views', 'site_key=site-g&version=8.x-1.0');
    await counted('views', 2);
    await poll(anonymous, 'views', 'site_key=site-g&version=8.x-1.1');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await usageOf('views')).weeks[0].versions).toEqual([{ version: '8.x-1.0', sites: 2 }]);
  });

  it('stores site keys only as keyed hashes', async () => {
    const rows = await stack.registry.db.selectFrom('usageSites').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    const hashes = rows.map((row) => row.siteHash);
    expect(hashes).toContain(stored('site-a'));
    expect(hashes).toContain(stored('site-b'));
    for (const row of rows) expect(row.siteHash).toMatch(/^-?\d{1,19}$/);
    expect(JSON.stringify(rows)).not.toMatch(/site-/);
    const dump = JSON.stringify(await stack.registry.db.selectFrom('usageCounts').selectAll().execute());
    expect(dump).not.toMatch(/site-/);
  });

  it('reports weekly counts newest first, and the latest week total on the project', async () => {
    const projectId = (
      await stack.registry.db.selectFrom('projects').select('id').where('name', '=', 'token').executeTakeFirstOrThrow()
    ).id;
    const thisWeek = isoWeekStart(new Date());
    const weekAgo = (n: number) => isoWeekStart(new Date(Date.parse(`${thisWeek}T00:00:00Z`) - n * 7 * 86_400_000));
    const hits = (week: string, count: number, version: string) =>
      Array.from({ length: count }, (_, i) => ({ projectId, siteHash: stored(`${week}-${version}-${i}`), version }));
    await usage.recordUsage(stack.registry.db, weekAgo(1), [
      ...hits(weekAgo(1), 4, '8.x-1.0'),
      ...hits(weekAgo(1), 1, '8.x-0.9'),
    ]);
    await usage.recordUsage(stack.registry.db, weekAgo(3), hits(weekAgo(3), 2, '8.x-1.0'));
    // Recording the same sites again counts nothing.
    expect(await usage.recordUsage(stack.registry.db, weekAgo(1), hits(weekAgo(1), 4, '8.x-1.0'))).toBe(0);

    const body = await usageOf('token');
    expect(body.weeks.map((w: { weekStart: string; sites: number }) => [w.weekStart, w.sites])).toEqual([
      [thisWeek, 3],
      [weekAgo(1), 5],
      [weekAgo(3), 2],
    ]);
    expect(body.weeks[1]).toEqual({
      week: isoWeekLabel(weekAgo(1)),
      weekStart: weekAgo(1),
      sites: 5,
      versions: [
        { version: '8.x-1.0', sites: 4 },
        { version: '8.x-0.9', sites: 1 },
      ],
    });
    expect((await usageOf('token', '?weeks=2')).weeks).toHaveLength(2);
    expect((await anonymous('GET', '/api/v1/projects/token/usage?weeks=0')).status).toBe(400);
    expect((await anonymous('GET', '/api/v1/projects/nope/usage')).status).toBe(404);

    const project = await anonymous('GET', '/api/v1/projects/token');
    expect(project.body.usage).toEqual({ week: isoWeekLabel(thisWeek), sites: 3 });
    await admin('POST', '/api/v1/projects', {
      name: 'unused',
      title: 'Unused',
      type: 'module',
      gitUrl: 'file:///srv/unused',
    });
    expect((await anonymous('GET', '/api/v1/projects/unused')).body.usage).toBeNull();
  });

  it(
    'housekeeping drops site rows before last week and superseded feed ' + 'changes, keeping counts and Last-Modified',
    async () => {
      const { db } = stack.registry;
      const projectId = (
        await db.selectFrom('projects').select('id').where('name', '=', 'views').executeTakeFirstOrThrow()
      ).id;
      const thisWeek = isoWeekStart(new Date());
      const weekAgo = (n: number) => isoWeekStart(new Date(Date.parse(`${thisWeek}T00:00:00Z`) - n * 7 * 86_400_000));
      for (const week of [weekAgo(1), weekAgo(2)])
        await usage.recordUsage(db, week, [{ projectId, siteHash: stored(`old-${week}`), version: '8.x-1.0' }]);
      // Sent once the last change's second is over (update-status/representation.ts): time
      // passed in, and a feed kept in the cache, which a read then settles.
      clock.advance(2_100);
      const feed = () => anonymous('GET', '/release-history/views/current');
      await feed();
      const lastModified = (await feed()).headers['last-modified'];
      expect(lastModified).toMatch(/GMT$/);
      const siteWeeks = async () =>
        (
          await db
            .selectFrom('usageSites')
            .select(sql<string>`week::text`.as('week'))
            .where('projectId', '=', projectId)
            .execute()
        ).map((row) => row.week);
      expect(await siteWeeks()).toContain(weekAgo(2));
      const changes = () =>
        db.selectFrom('feedChanges').select('projectId').where('projectId', '=', projectId).execute();
      expect((await changes()).length).toBeGreaterThan(1);

      await houseKeep(stack.registry);
      expect(await siteWeeks()).not.toContain(weekAgo(2));
      expect(await siteWeeks()).toContain(weekAgo(1));
      expect(await changes()).toHaveLength(1);
      expect((await usageOf('views', '?weeks=3')).weeks.map((w: { weekStart: string }) => w.weekStart)).toContain(
        weekAgo(2),
      );
      expect((await anonymous('GET', '/release-history/views/current')).headers['last-modified']).toBe(lastModified);
    },
  );
});

describe('usage is buffered: no write per poll, flushed on close, one count across API processes', () => {
  let stack: Stack;

  beforeAll(async () => {
    // A flush interval longer than the test: only close() writes.
    stack = await startStack({ USAGE_FLUSH_MS: '60000', SITE_KEY_SECRET: SECRET });
    await client(stack.app, stack.adminToken)('POST', '/api/v1/projects', {
      name: 'token',
      title: 'Token',
      type: 'module',
      gitUrl: 'file:///srv/token',
    });
  });
  afterAll(() => stack.close());

  it('answers polls before anything is written, and two processes flushing the same site count it once', async () => {
    const first = await buildApp(stack.registry);
    const second = await buildApp(stack.registry);
    await Promise.all([first, second].map((app) => app.listen({ port: 0, host: '127.0.0.1' })));
    const [a, b] = [client(first), client(second)];
    for (const key of ['one', 'two', 'shared'])
      expect((await poll(a, 'token', `site_key=${key}&version=8.x-1.0`)).status).toBe(200);
    for (const key of ['three', 'shared']) await poll(b, 'token', `site_key=${key}&version=8.x-1.0`);
    // Within one batch too, a site counts under the first version it reports.
    await poll(b, 'token', 'site_key=three&version=8.x-1.1');
    const rows = () => stack.registry.db.selectFrom('usageSites').select('siteHash').execute();
    expect(await rows()).toHaveLength(0);

    await Promise.all([first.close(), second.close()]);
    expect(await rows()).toHaveLength(4);
    const counts = await stack.registry.db.selectFrom('usageCounts').select(['version', 'sites']).execute();
    expect(counts).toEqual([{ version: '8.x-1.0', sites: 4 }]);
  });

  it('writes more polls than one buffer holds, every one of them', async () => {
    const recorder = createUsageRecorder(stack.registry);
    const projectId = (
      await stack.registry.db.selectFrom('projects').select('id').where('name', '=', 'token').executeTakeFirstOrThrow()
    ).id;
    const polls = 150_000;
    for (let i = 0; i < polls; i++)
      expect(recorder.record(projectId, `many-${i}`, i % 2 ? '8.x-1.0' : '8.x-2.0')).toBe(true);
    await recorder.close();
    const counts = await stack.registry.db
      .selectFrom('usageCounts')
      .select(['version', 'sites'])
      .orderBy('version')
      .execute();
    expect(counts).toEqual([
      { version: '8.x-1.0', sites: 4 + polls / 2 },
      { version: '8.x-2.0', sites: polls / 2 },
    ]);
    const hashes = await stack.registry.db
      .selectFrom('usageSites')
      .select('siteHash')
      .where('siteHash', 'in', [stored('many-0'), stored(`many-${polls - 1}`)])
      .execute();
    expect(hashes).toHaveLength(2);
  });

  it(
    'counts a site whose first poll was dropped while Postgres could not be ' + 'written, when it polls again',
    async () => {
      const recorder = createUsageRecorder(stack.registry);
      const projectId = (
        await stack.registry.db
          .selectFrom('projects')
          .select('id')
          .where('name', '=', 'token')
          .executeTakeFirstOrThrow()
      ).id;
      const buffer = 65_536; // polls a buffer holds (usage/poll-buffer.ts)
      let filler = 0;
      const fill = (polls: number) => {
        for (let i = 0; i < polls; i++) recorder.record(projectId, `filler-${filler++}`, '8.x-4.0');
      };
      await sql`ALTER TABLE usage_sites RENAME TO usage_sites_away`.execute(stack.registry.db);
      try {
        // The first buffer is being written (and fails); the second, which holds the site's
        // first poll, is dropped when a fifth waits behind it.
        fill(buffer);
        recorder.record(projectId, 'dropped-site', '8.x-3.0');
        fill(buffer - 1 + 3 * buffer + 1);
        // Its next poll must not be taken for one already counted.
        recorder.record(projectId, 'dropped-site', '8.x-3.0');
        await new Promise((resolve) => setTimeout(resolve, 100));
      } finally {
        await sql`ALTER TABLE usage_sites_away RENAME TO usage_sites`.execute(stack.registry.db);
      }
      await recorder.close();
      const counts = await stack.registry.db
        .selectFrom('usageCounts')
        .select(['version', 'sites'])
        .where('version', 'in', ['8.x-3.0', '8.x-4.0'])
        .orderBy('version')
        .execute();
      expect(counts[0]).toEqual({ version: '8.x-3.0', sites: 1 });
      // Lost: the second buffer's fillers; and the first buffer too, dropped in turn when the
      // last was sealed at close with four waiting, unless its first write had not failed yet
      // when the table came back.
      expect([filler - (buffer - 1) - buffer, filler - (buffer - 1)]).toContain(counts[1]?.sites);
    },
  );
});

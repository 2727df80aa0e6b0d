import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { client, eventually, startStack, testClock, type Stack } from '@packhouse/testing';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readLikeDrupal } from '@packhouse/testing/update-status';
import { backdateFeedChanges, seedRelease } from './feed-seed.ts';

type Api = ReturnType<typeof client>;
const T = 1_764_288_000;
const FEED = '/release-history/token/current';
// Last-Modified is sent once the second of the last change is over, with a margin
// (update-status/representation.ts): data is seeded in the past, and the time a change of
// now needs to settle is passed in (testClock), not waited for.
const SETTLE_MS = 2_100;

describe('feed HTTP: caching headers, 304, HEAD, gzip, 404', () => {
  let stack: Stack;
  let admin: Api;
  let anonymous: Api;
  // Raw header lists, for what a header object cannot express: one header sent twice.
  const anonymousRaw = (url: string, headers: [string, string][]) =>
    new Promise<http.IncomingMessage>((resolve, reject) => {
      const { port } = stack.app.server.address() as AddressInfo;
      const request = http.request(
        { host: '127.0.0.1', port, path: url, headers: [['host', '127.0.0.1'], ...headers].flat() },
        (response) => {
          response.resume();
          response.once('end', () => resolve(response));
        },
      );
      request.once('error', reject).end();
    });

  beforeAll(async () => {
    stack = await startStack();
    admin = client(stack.app, stack.adminToken);
    anonymous = client(stack.app);
    await admin('POST', '/api/v1/projects', {
      name: 'token',
      title: 'Token',
      type: 'module',
      gitUrl: 'file:///srv/token',
    });
    await seedRelease(stack.registry, 'token', { version: '8.x-1.0', commitTime: T, releaseTypes: ['feature'] });
    await seedRelease(stack.registry, 'token', { version: '2.0.0', commitTime: T + 60, coreCompatibility: '^10' });
    await backdateFeedChanges(stack.registry, ['token']);
  });
  afterAll(() => stack.close());

  it('answers XML with a strong ETag, Last-Modified and CDN-friendly caching', async () => {
    const response = await anonymous('GET', FEED);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(response.headers['cache-control']).toBe(
      'public, max-age=60, stale-while-revalidate=300, stale-if-error=86400',
    );
    expect(response.headers.vary).toBe('Accept-Encoding');
    expect(response.headers.etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(new Date(String(response.headers['last-modified'])).toUTCString()).toBe(response.headers['last-modified']);
    expect(Date.parse(String(response.headers['last-modified']))).toBeLessThanOrEqual(Date.now());
    expect(response.raw.toString('utf8').startsWith('<?xml version="1.0" encoding="utf-8"?>\n<project')).toBe(true);
    expect(readLikeDrupal(response.raw.toString('utf8')).fields.short_name).toBe('token');
  });

  it('answers 304 to a matching If-None-Match, in any of its forms, and 200 otherwise', async () => {
    const { headers } = await anonymous('GET', FEED);
    const etag = String(headers.etag);
    for (const header of [etag, `"nope", ${etag}`, `W/${etag}`, '*']) {
      const cached = await anonymous('GET', FEED, undefined, { 'if-none-match': header });
      expect(cached.status, header).toBe(304);
      expect(cached.raw.length).toBe(0);
      expect(cached.headers.etag).toBe(etag);
      expect(cached.headers['cache-control']).toContain('max-age=60');
      expect(cached.headers['last-modified']).toBe(headers['last-modified']);
    }
    expect((await anonymous('GET', FEED, undefined, { 'if-none-match': '"other"' })).status).toBe(200);
  });

  it('answers If-Modified-Since by date, and lets If-None-Match win when both are sent', async () => {
    const { headers } = await anonymous('GET', FEED);
    const lastModified = String(headers['last-modified']);
    const earlier = new Date(Date.parse(lastModified) - 1000).toUTCString();
    expect((await anonymous('GET', FEED, undefined, { 'if-modified-since': lastModified })).status).toBe(304);
    expect((await anonymous('GET', FEED, undefined, { 'if-modified-since': new Date().toUTCString() })).status).toBe(
      304,
    );
    expect((await anonymous('GET', FEED, undefined, { 'if-modified-since': earlier })).status).toBe(200);
    expect((await anonymous('GET', FEED, undefined, { 'if-modified-since': 'yesterday' })).status).toBe(200);
    // Not HTTP-dates, though Date.parse reads them: ignored (RFC 9110 section 13.1.3).
    for (const notADate of ['2099', '2099-01-01T00:00:00Z', `${lastModified} garbage`]) {
      expect((await anonymous('GET', FEED, undefined, { 'if-modified-since': notADate })).status, notADate).toBe(200);
    }
    // The obsolete forms HTTP recipients must still read: RFC 850 and asctime (GMT).
    const at = new Date(Date.parse(lastModified) + 3_600_000);
    const [day, date, month, year, time] = at.toUTCString().split(' ') as [string, string, string, string, string];
    const long = at.toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' });
    expect(
      (
        await anonymous('GET', FEED, undefined, {
          'if-modified-since': `${long}, ${date}-${month}-${year.slice(2)} ${time} GMT`,
        })
      ).status,
    ).toBe(304);
    expect(
      (
        await anonymous('GET', FEED, undefined, {
          'if-modified-since': `${day.slice(0, 3)} ${month} ${String(Number(date)).padStart(2)} ${time} ${year}`,
        })
      ).status,
    ).toBe(304);
    const both = await anonymous('GET', FEED, undefined, {
      'if-none-match': '"stale"',
      'if-modified-since': lastModified,
    });
    expect(both.status).toBe(200);
  });

  it('gzips when asked, with its own ETag', async () => {
    const plain = await anonymous('GET', FEED);
    const zipped = await anonymous('GET', FEED, undefined, { 'accept-encoding': 'gzip, deflate, br' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zipped.raw).equals(plain.raw)).toBe(true);
    expect(zipped.headers.etag).not.toBe(plain.headers.etag);
    expect(zipped.headers.vary).toBe('Accept-Encoding');
    for (const accept of ['gzip;q=0', 'identity', 'br', 'gzip;q=0, *;q=1']) {
      const response = await anonymous('GET', FEED, undefined, { 'accept-encoding': accept });
      expect(response.headers['content-encoding'], accept).toBeUndefined();
      expect(response.raw.equals(plain.raw), accept).toBe(true);
    }
    expect((await anonymous('GET', FEED, undefined, { 'accept-encoding': '*' })).headers['content-encoding']).toBe(
      'gzip',
    );
    const revalidated = await anonymous('GET', FEED, undefined, {
      'accept-encoding': 'gzip',
      'if-none-match': String(zipped.headers.etag),
    });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.etag).toBe(zipped.headers.etag);
    // The other encoding's ETag names another representation: the full answer is sent.
    expect(
      (
        await anonymous('GET', FEED, undefined, {
          'accept-encoding': 'gzip',
          'if-none-match': String(plain.headers.etag),
        })
      ).status,
    ).toBe(200);
    expect((await anonymous('GET', FEED, undefined, { 'if-none-match': String(zipped.headers.etag) })).status).toBe(
      200,
    );
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const get = await anonymous('GET', FEED);
    const head = await anonymous('HEAD', FEED);
    expect(head.status).toBe(200);
    expect(head.raw.length).toBe(0);
    expect(head.headers['content-length']).toBe(String(get.raw.length));
    expect(head.headers.etag).toBe(get.headers.etag);
    expect(head.headers['content-type']).toBe('application/xml; charset=utf-8');
    const zipped = await anonymous('GET', FEED, undefined, { 'accept-encoding': 'gzip' });
    const headZipped = await anonymous('HEAD', FEED, undefined, { 'accept-encoding': 'gzip' });
    expect(headZipped.headers['content-length']).toBe(String(zipped.raw.length));
    expect((await anonymous('HEAD', FEED, undefined, { 'if-none-match': String(get.headers.etag) })).status).toBe(304);
  });

  it('answers a cache hit (served before routing) exactly as the router answered the miss', async () => {
    // One project per encoding: each one's first request is the miss.
    const encodings: Record<string, string>[] = [{}, { 'accept-encoding': 'gzip, deflate' }];
    for (const i of encodings.keys()) {
      const project = `hitmiss${i}`;
      await admin('POST', '/api/v1/projects', {
        name: project,
        title: 'Hit or miss',
        type: 'module',
        gitUrl: `file:///srv/${project}`,
      });
      await seedRelease(stack.registry, project, { version: '8.x-1.0', commitTime: T });
    }
    // Both answers then carry the same Last-Modified, whenever each is sent.
    await backdateFeedChanges(
      stack.registry,
      [...encodings.keys()].map((i) => `hitmiss${i}`),
    );
    for (const [i, headers] of encodings.entries()) {
      const project = `hitmiss${i}`;
      const url = `/release-history/${project}/current`;
      const miss = await anonymous('GET', url, undefined, headers);
      const hit = await anonymous('GET', url, undefined, headers);
      expect([miss.headers['x-packhouse-cache'], hit.headers['x-packhouse-cache']]).toEqual(['miss', 'hit']);
      expect(hit.raw.equals(miss.raw)).toBe(true);
      const { date: _missDate, 'x-packhouse-cache': _missState, ...missHeaders } = miss.headers;
      const { date: _hitDate, 'x-packhouse-cache': _hitState, ...hitHeaders } = hit.headers;
      expect(hitHeaders).toEqual(missHeaders);
      // A repeated If-None-Match is one list, as in the router.
      const repeated = await anonymousRaw(url, [
        ['If-None-Match', '"nope"'],
        ['if-none-match', String(hit.headers.etag)],
        ...Object.entries(headers),
      ]);
      expect(repeated.statusCode).toBe(304);
      expect(repeated.headers['x-packhouse-cache']).toBe('hit');
    }
  });

  it('leaves repeated query parameters to the route schema, and ignores unknown ones', async () => {
    await anonymous('GET', FEED);
    expect((await anonymous('GET', `${FEED}?site_key=a&site_key=b&version=8.x-1.0`)).status).toBe(400);
    expect((await anonymous('GET', `${FEED}?site_key=a&version=1&version=2`)).status).toBe(400);
    const plain = await anonymous('GET', `${FEED}?unrelated=1`);
    expect([plain.status, plain.headers['x-packhouse-cache']]).toEqual([200, 'hit']);
  });

  it('answers an unknown project with 404 and updates.drupal.org error document', async () => {
    for (const url of [
      '/release-history/nope/current',
      '/release-history/Bad-Name/current',
      '/release-history/token/7',
      '/release-history/token/x.x',
    ]) {
      const response = await anonymous('GET', url);
      expect(response.status, url).toBe(404);
      expect(response.headers['content-type']).toBe('application/xml; charset=utf-8');
      const name = url.split('/')[2];
      expect(response.raw.toString('utf8')).toBe(
        `<?xml version="1.0" encoding="utf-8"?>\n<error>No release history was found for the requested project (${name}).</error>\n`,
      );
    }
    expect((await anonymous('HEAD', '/release-history/nope/current')).status).toBe(404);
  });

  it('answers a project as soon as it is created, though its 404 was cached', async () => {
    expect((await anonymous('GET', '/release-history/pathauto/current')).status).toBe(404);
    expect((await anonymous('GET', '/release-history/pathauto/current')).headers['x-packhouse-cache']).toBe('hit');
    await admin('POST', '/api/v1/projects', {
      name: 'pathauto',
      title: 'Pathauto',
      type: 'module',
      gitUrl: 'file:///srv/pathauto',
    });
    const created = await anonymous('GET', '/release-history/pathauto/current');
    expect(created.status).toBe(200);
    expect(readLikeDrupal(created.raw.toString('utf8')).fields.title).toBe('Pathauto');
  });
});

describe('feed freshness: no stale cache after any committed write', () => {
  const clock = testClock();
  let stack: Stack;
  let admin: Api;
  let anonymous: Api;
  let other: pg.Client;

  const title = async () => readLikeDrupal((await anonymous('GET', FEED)).raw.toString('utf8')).fields.title;

  beforeAll(async () => {
    stack = await startStack({}, { now: clock.now });
    admin = client(stack.app, stack.adminToken);
    anonymous = client(stack.app);
    await admin('POST', '/api/v1/projects', {
      name: 'token',
      title: 'Token',
      type: 'module',
      gitUrl: 'file:///srv/token',
    });
    await admin('POST', '/api/v1/projects', {
      name: 'views',
      title: 'Views',
      type: 'module',
      gitUrl: 'file:///srv/views',
    });
    await seedRelease(stack.registry, 'token', { version: '2.0.0', commitTime: T });
    await backdateFeedChanges(stack.registry, ['token', 'views']);
    // A connection of its own, as another API process, the worker or an operator would have.
    other = new pg.Client({ connectionString: stack.registry.config.databaseUrl });
    await other.connect();
  });
  // A test that passes time in puts the process ahead of the database's clock: back after it.
  afterEach(() => clock.reset());
  afterAll(async () => {
    await other.end();
    await stack.close();
  });

  it('serves repeated polls from the cache, and keeps them when another project changes', async () => {
    await anonymous('GET', FEED);
    expect((await anonymous('GET', FEED)).headers['x-packhouse-cache']).toBe('hit');
    await admin('PATCH', '/api/v1/projects/views', { securityCoverage: true });
    expect((await anonymous('GET', FEED)).headers['x-packhouse-cache']).toBe('hit');
  });

  it('shows a change made through the API in the very next response, with a new ETag and Last-Modified', async () => {
    const before = await anonymous('GET', FEED);
    expect(before.headers['last-modified']).toBeDefined();
    const changedAt = Math.floor(Date.now() / 1000) * 1000;
    await admin('PATCH', '/api/v1/projects/token/releases/2.0.0', { insecure: true });
    const after = await anonymous('GET', FEED);
    expect(after.headers['x-packhouse-cache']).toBe('miss');
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect((await anonymous('GET', FEED, undefined, { 'if-none-match': String(before.headers.etag) })).status).toBe(
      200,
    );
    expect(
      (await anonymous('GET', FEED, undefined, { 'if-modified-since': String(before.headers['last-modified']) }))
        .status,
    ).toBe(200);
    expect(readLikeDrupal(after.raw.toString('utf8')).releases.get('2.0.0')?.terms['Release type']).toContain(
      'Insecure',
    );
    // Once the change's second is over, the cached feed carries its Last-Modified.
    clock.advance(SETTLE_MS);
    const later = await anonymous('GET', FEED);
    expect(later.headers['x-packhouse-cache']).toBe('hit');
    expect(later.headers.etag).toBe(after.headers.etag);
    expect(Date.parse(String(later.headers['last-modified']))).toBeGreaterThanOrEqual(changedAt);
    expect(Date.parse(String(later.headers['last-modified']))).toBeLessThan(changedAt + 2_000);
  });

  it(
    'gives no Last-Modified to a copy read within the second of its change, ' +
      'which a later change of that second would leave unchanged',
    async () => {
      // Two changes a few ms apart, most likely in one second: a copy read between them must
      // carry no date by which it could later be validated.
      const before = Date.now();
      await admin('PATCH', '/api/v1/projects/token/releases/2.0.0', { insecure: false });
      const between = await anonymous('GET', FEED);
      // Changes are stamped at commit, after `before`: until two seconds past its second, no date.
      if (Date.now() < Math.floor(before / 1000) * 1000 + 2_000)
        expect(between.headers['last-modified']).toBeUndefined();
      await admin('PATCH', '/api/v1/projects/token/releases/2.0.0', { insecure: true });
      clock.advance(SETTLE_MS);
      await anonymous('GET', FEED); // read after both changes, and kept: it settles
      const settledCopy = await anonymous('GET', FEED);
      expect(settledCopy.headers['x-packhouse-cache']).toBe('hit');
      expect(settledCopy.headers.etag).not.toBe(between.headers.etag);
      const since = String(settledCopy.headers['last-modified']);
      expect((await anonymous('GET', FEED, undefined, { 'if-modified-since': since })).status).toBe(304);
    },
  );

  it('shows writes committed on another connection in the very next response, every time', async () => {
    for (let i = 0; i < 40; i++) {
      await title(); // cached again
      await other.query('UPDATE projects SET title = $1 WHERE name = $2', [`Token ${i}`, 'token']);
      expect(await title()).toBe(`Token ${i}`);
    }
  });

  it('shows a release published in another transaction in the very next response', async () => {
    await title();
    await other.query('BEGIN');
    await other.query(
      `INSERT INTO releases (project_id, version, tag, status, commit_time, published_at)
       SELECT id, '2.0.1', '2.0.1', 'published', now(), now() FROM projects WHERE name = 'token'`,
    );
    expect(readLikeDrupal((await anonymous('GET', FEED)).raw.toString('utf8')).releases.has('2.0.1')).toBe(false);
    await other.query('COMMIT');
    expect(readLikeDrupal((await anonymous('GET', FEED)).raw.toString('utf8')).releases.has('2.0.1')).toBe(true);
  });

  it('stays fresh when the listener connection drops, bypassing the cache until it is back', async () => {
    await title();
    expect((await anonymous('GET', FEED)).headers['x-packhouse-cache']).toBe('hit');
    const { rows } = await other.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity ' +
        "WHERE application_name = 'packhouse-feed-listener' AND datname = current_database()",
    );
    // Both of its lanes.
    expect(rows).toHaveLength(2);
    await other.query('UPDATE projects SET title = $1 WHERE name = $2', ['While down', 'token']);
    const during = await anonymous('GET', FEED);
    expect(['bypass', 'miss']).toContain(during.headers['x-packhouse-cache']);
    expect(readLikeDrupal(during.raw.toString('utf8')).fields.title).toBe('While down');

    // Back: it listens again (a fresh backend) and caches again.
    await eventually(
      async () => ((await anonymous('GET', FEED)).headers['x-packhouse-cache'] === 'hit' ? true : undefined),
      10_000,
      'the cache to be used again',
    );
    await other.query('UPDATE projects SET title = $1 WHERE name = $2', ['After', 'token']);
    expect(await title()).toBe('After');
  });
});

describe('feed cache memory bound', () => {
  let stack: Stack;
  let anonymous: Api;
  const state = async (project: string) =>
    (await anonymous('GET', `/release-history/${project}/current`)).headers['x-packhouse-cache'];

  beforeAll(async () => {
    // Two megabytes hold two of these feeds, not three: about 400 kB each with their gzip,
    // counted twice for the whole responses the front door keeps beside them.
    stack = await startStack({ FEED_CACHE_MB: '2' });
    anonymous = client(stack.app);
    const admin = client(stack.app, stack.adminToken);
    for (const name of ['alpha', 'bravo', 'charlie']) {
      await admin('POST', '/api/v1/projects', { name, title: name, type: 'module', gitUrl: `file:///srv/${name}` });
      for (let i = 0; i < 300; i++) await seedRelease(stack.registry, name, { version: `1.0.${i}`, commitTime: T + i });
    }
  }, 60_000);
  afterAll(() => stack.close());

  it('evicts the least recently stored feed that was not hit since, keeping the one in use', async () => {
    expect(await state('alpha')).toBe('miss');
    expect(await state('bravo')).toBe('miss');
    expect(await state('alpha')).toBe('hit');
    expect(await state('charlie')).toBe('miss'); // evicts bravo: alpha was hit, so it is spared
    expect(await state('alpha')).toBe('hit');
    expect(await state('charlie')).toBe('hit');
    expect(await state('bravo')).toBe('miss');
  });
});

import net, { type AddressInfo } from 'node:net';
import { buildApp } from '@packhouse/api';
import { client, eventually, startStack, testClock, type Stack } from '@packhouse/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backdateFeedChanges, seedRelease } from './feed-seed.ts';

const T = 1_764_288_000;
const FEED = '/release-history/token/current';
const get = (target: string, ...headers: string[]) =>
  ['GET ' + target + ' HTTP/1.1', 'Host: packhouse.test', ...headers, '', ''].join('\r\n');

interface RawResponse {
  head: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Sends `chunks` on one fresh connection (each written on its own, a few ms apart) and reads
 * `count` responses; `closed` tells whether the server then ended the connection.
 */
async function exchange(port: number, chunks: (string | Buffer)[], count: number, { head = [] as boolean[] } = {}) {
  const socket = net.connect(port, '127.0.0.1');
  let received = Buffer.alloc(0);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('data', (data: Buffer) => (received = Buffer.concat([received, data])));
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  for (const chunk of chunks) {
    socket.write(chunk);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const responses = await eventually(
    async () =>
      parseResponses(received, head).slice(0, count).length === count ? parseResponses(received, head) : undefined,
    5_000,
    `${count} responses`,
  );
  return { responses, socket, closed };
}

/** Responses one after another, bodies by Content-Length (none when answering HEAD, 304). */
function parseResponses(bytes: Buffer, head: boolean[]): RawResponse[] {
  const responses: RawResponse[] = [];
  let at = 0;
  for (;;) {
    const end = bytes.indexOf('\r\n\r\n', at);
    if (end === -1) return responses;
    const text = bytes.toString('latin1', at, end);
    const [statusLine, ...lines] = text.split('\r\n');
    const headers = Object.fromEntries(
      lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
    );
    const status = Number(statusLine!.split(' ')[1]);
    const length = head[responses.length] || status === 304 ? 0 : Number(headers['content-length'] ?? 0);
    if (bytes.length < end + 4 + length) return responses;
    responses.push({ head: text, status, headers, body: bytes.subarray(end + 4, end + 4 + length) });
    at = end + 4 + length;
  }
}

const withoutDate = (head: string) =>
  head
    .split('\r\n')
    .filter((line) => !line.startsWith('Date: '))
    .join('\r\n');

describe('the front door: feed cache hits answered off the socket, everything else handed to Node', () => {
  const clock = testClock();
  let stack: Stack;
  let port: number;

  beforeAll(async () => {
    stack = await startStack({ USAGE_FLUSH_MS: '200' }, { now: clock.now });
    port = (stack.app.server.address() as AddressInfo).port;
    await client(stack.app, stack.adminToken)('POST', '/api/v1/projects', {
      name: 'token',
      title: 'Token',
      type: 'module',
      gitUrl: 'file:///srv/token',
    });
    await seedRelease(stack.registry, 'token', { version: '8.x-1.0', commitTime: T });
    // Seeded in the past, so the feed carries its Last-Modified from the first read
    // (update-status/representation.ts): the front door's answers and the route's are
    // compared header for header.
    await backdateFeedChanges(stack.registry, ['token']);
    // The first request renders the feed: a miss, which the route answers.
    expect((await exchange(port, [get(FEED)], 1)).responses[0]!.headers['x-packhouse-cache']).toBe('miss');
  });
  // Passing time in puts the process ahead of the database's clock: back after each test.
  afterEach(() => clock.reset());
  afterAll(() => stack.close());

  it('answers a hit with the very bytes Node and the route send for it, Date aside', async () => {
    for (const encoding of [[], ['Accept-Encoding: gzip']]) {
      const front = (await exchange(port, [get(FEED, ...encoding)], 1)).responses[0]!;
      // After a request the front door does not answer, the connection is Node's: the route answers the hit.
      const routed = (await exchange(port, [get('/healthz'), get(FEED, ...encoding)], 2)).responses[1]!;
      expect(front.headers['x-packhouse-cache']).toBe('hit');
      expect(withoutDate(front.head)).toBe(withoutDate(routed.head));
      expect(front.body.equals(routed.body)).toBe(true);
      expect(front.headers.date).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    }
  });

  it('keeps idle connections 72 s, as fastify does, on both paths', async () => {
    const { responses, socket } = await exchange(port, [get(FEED), get('/healthz')], 2);
    socket.destroy();
    expect(responses.map((response) => response.headers['keep-alive'])).toEqual(['timeout=72', 'timeout=72']);
  });

  it('dates every answer to its second, though the same response bytes are sent again', async () => {
    const dates: [number, string, number][] = [];
    for (let i = 0; i < 3; i++) {
      const before = Math.floor(clock.now() / 1000) * 1000;
      const polls = [get(FEED, 'Accept-Encoding: gzip'), get(FEED, 'Accept-Encoding: gzip')];
      const { responses, socket } = await exchange(port, polls, 2);
      socket.destroy();
      dates.push([before, responses[1]!.headers.date!, clock.now()]);
      expect(responses[0]!.body.equals(responses[1]!.body)).toBe(true);
      clock.advance(600);
    }
    for (const [before, date, after] of dates) {
      expect(Date.parse(date)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(date)).toBeLessThanOrEqual(after);
    }
    // Over 1.2 s the Date has moved on at least once.
    expect(new Set(dates.map(([, date]) => date)).size).toBeGreaterThan(1);
  });

  it('answers pipelined requests in order, handing the connection over at the first it does not answer', async () => {
    const { responses } = await exchange(
      port,
      [get(FEED) + get(FEED, 'Accept-Encoding: gzip') + get('/healthz') + get(FEED)],
      4,
    );
    expect(
      responses.map((r) => [r.status, r.headers['content-encoding'], r.headers['content-type']?.split(';')[0]]),
    ).toEqual([
      [200, undefined, 'application/xml'],
      [200, 'gzip', 'application/xml'],
      [200, undefined, 'application/json'],
      [200, undefined, 'application/xml'],
    ]);
  });

  it('reads a request that arrives a byte at a time', async () => {
    const { responses } = await exchange(
      port,
      [...get(FEED)].map((c) => c),
      1,
    );
    expect(responses[0]!.status).toBe(200);
  });

  it('answers 304 and HEAD without a body, and goes on reading the connection after them', async () => {
    const etag = (await exchange(port, [get(FEED)], 1)).responses[0]!.headers.etag!;
    const request = get(FEED, `If-None-Match: ${etag}`) + get(FEED).replace('GET', 'HEAD') + get(FEED);
    const { responses } = await exchange(port, [request], 3, { head: [false, true, false] });
    expect(responses.map((r) => [r.status, r.body.length > 0])).toEqual([
      [304, false],
      [200, false],
      [200, true],
    ]);
    expect(responses[1]!.headers['content-length']).toBe(responses[2]!.headers['content-length']);
    expect(responses[0]!.headers.etag).toBe(etag);
  });

  it('closes the connection after answering Connection: close', async () => {
    const { responses, closed } = await exchange(port, [get(FEED, 'Connection: close') + get(FEED)], 1);
    expect(responses[0]!.headers.connection).toBe('close');
    await closed;
  });

  it('leaves to Node what it does not expect, which then reads the connection as Node would', async () => {
    const cases: [string, number][] = [
      // A body: Node reads it as the request's, so "abcGET" is not taken for a request.
      [`${get(FEED, 'Content-Length: 3').slice(0, -2)}\r\nabc`, 200],
      [`GET ${FEED} HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 200],
      [`GET ${FEED} HTTP/1.1\r\n\r\n`, 400], // no Host
      [`GET ${FEED} HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n`, 200], // Node's call
      [`GET ${FEED} HTTP/1.1\r\nHost: a\r\nX-Folded: a\r\n b\r\n\r\n`, 400],
      [`GET ${FEED} HTTP/1.1\r\nHost: a\r\nX-Bare: a\nb\r\n\r\n`, 400],
      [get(FEED, `X-Huge: ${'x'.repeat(20_000)}`), 431],
      [`GET ${FEED}?site_key=a&site_key=b&version=1.0.0 HTTP/1.1\r\nHost: a\r\n\r\n`, 400],
    ];
    for (const [request, status] of cases) {
      const { responses } = await exchange(port, [request + get('/healthz')], status === 200 ? 2 : 1);
      expect([request.slice(36, 90), responses[0]!.status]).toEqual([request.slice(36, 90), status]);
      if (status === 200) expect(responses[1]!.headers['content-type']).toMatch(/^application\/json/);
    }
    // HTTP/1.0 closes after one answer unless asked not to: Node's rules.
    const { responses, closed } = await exchange(port, [`GET ${FEED} HTTP/1.0\r\n\r\n`], 1);
    expect(responses[0]!.status).toBe(200);
    await closed;
  });

  it('adds Last-Modified to the answer it keeps whole once the second of the change is over', async () => {
    const before = Date.now();
    await client(stack.app, stack.adminToken)('PATCH', '/api/v1/projects/token', { securityCoverage: true });
    const gzip = 'Accept-Encoding: gzip';
    // A miss renders it again. Each of the listener's two connections delivers the change,
    // and the second's copy may evict that first render: a hit comes once both have.
    const hit = await eventually(
      async () => {
        const answer = (await exchange(port, [get(FEED, gzip)], 1)).responses[0]!;
        return answer.headers['x-packhouse-cache'] === 'hit' ? answer : undefined;
      },
      10_000,
      'the changed feed to be cached',
    );
    // The change is stamped at its commit, after `before`: no date until two seconds past its second.
    if (Date.now() < Math.floor(before / 1000) * 1000 + 2_000) expect(hit.headers['last-modified']).toBeUndefined();
    clock.advance(2_100);
    const settled = (await exchange(port, [get(FEED, gzip)], 1)).responses[0]!;
    expect(settled.headers['x-packhouse-cache']).toBe('hit');
    expect(settled.headers['last-modified']).toMatch(/GMT$/);
    expect(settled.body.equals(hit.body)).toBe(true);
  });

  it('counts the polls it answers', async () => {
    await exchange(port, [get(`${FEED}?site_key=front-door-site&version=8.x-1.0&list=token`)], 1);
    await eventually(
      async () => {
        const usage = await client(stack.app)('GET', '/api/v1/projects/token/usage');
        return usage.body.weeks[0]?.sites === 1 ? usage : undefined;
      },
      10_000,
      'the poll to be counted',
    );
  });
});

describe('the front door at shutdown', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('closes its idle connections, so that closing the server does not wait for clients', async () => {
    await client(stack.app, stack.adminToken)('POST', '/api/v1/projects', {
      name: 'token',
      title: 'Token',
      type: 'module',
      gitUrl: 'file:///srv/token',
    });
    await seedRelease(stack.registry, 'token', { version: '8.x-1.0', commitTime: T });
    const app = await buildApp(stack.registry);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    await exchange(port, [get(FEED)], 1);
    const { responses, closed } = await exchange(port, [get(FEED)], 1);
    expect(responses[0]!.headers['x-packhouse-cache']).toBe('hit');
    const started = Date.now();
    await app.close();
    await closed;
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

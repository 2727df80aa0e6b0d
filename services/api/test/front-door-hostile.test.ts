import net, { type AddressInfo } from 'node:net';
import { client, eventually, startStack, type Stack } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedRelease } from './feed-seed.ts';

const T = 1_764_288_000;
const FEED = '/release-history/token/all';
const get = (target: string, ...headers: string[]) =>
  ['GET ' + target + ' HTTP/1.1', 'Host: packhouse.test', ...headers, '', ''].join('\r\n');
const MB = 1024 * 1024;

function connect(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  return new Promise((resolve) => socket.once('connect', () => resolve(socket)));
}

/** One request on a fresh connection, read whole: the status line and the body's length. */
async function fetchOnce(port: number, target: string): Promise<{ status: number; cache?: string; bytes: number }> {
  const response = await fetch(`http://127.0.0.1:${port}${target}`);
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, cache: response.headers.get('x-packhouse-cache') ?? undefined, bytes: body.length };
}

const closed = (socket: net.Socket) =>
  new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

// Every scenario runs against the front door and against Node's own server behind FEED_FRONT_DOOR=off.
describe.each([['on'], ['off']])('hostile feed clients (FEED_FRONT_DOOR=%s)', (frontDoor) => {
  let stack: Stack;
  let port: number;
  let feedBytes: number;

  beforeAll(async () => {
    stack = await startStack({ FEED_FRONT_DOOR: frontDoor });
    port = (stack.app.server.address() as AddressInfo).port;
    await client(stack.app, stack.adminToken)('POST', '/api/v1/projects', {
      name: 'token',
      title: 'Token',
      type: 'module',
      gitUrl: 'file:///srv/token',
    });
    // A feed of some size, so that every answer a client does not read weighs ~100 KB.
    for (let minor = 0; minor < 120; minor++)
      await seedRelease(stack.registry, 'token', { version: `8.x-1.${minor}`, commitTime: T + minor });
    await fetchOnce(port, FEED);
    const hit = await fetchOnce(port, FEED);
    expect(hit.cache).toBe('hit');
    feedBytes = hit.bytes;
    expect(feedBytes).toBeGreaterThan(80_000);
  });
  afterAll(() => stack.close());

  it(
    'stops reading a client that pipelines thousands of requests and never ' +
      'reads: memory stays bounded, others are served',
    async () => {
      const requests = 4_000;
      const attacker = await connect(port);
      attacker.pause();
      global.gc?.();
      const before = process.memoryUsage().rss;
      // Unanswered, these would be 4,000 copies of a ~100 KB feed: 400 MB queued in the API.
      attacker.write(Buffer.from(get(FEED).repeat(requests)));
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const grown = process.memoryUsage().rss - before;
      expect(grown, `RSS grew by ${Math.round(grown / MB)} MB`).toBeLessThan(64 * MB);

      // Meanwhile everyone else is answered, from the cache and by the routes.
      expect(await fetchOnce(port, FEED)).toMatchObject({ status: 200, bytes: feedBytes });
      expect((await fetchOnce(port, '/healthz')).status).toBe(200);

      // The attacker's connection was only held back: once it reads, its answers come, in order.
      let received = Buffer.alloc(0);
      attacker.on('data', (chunk: Buffer) => {
        if (received.length < 20 * feedBytes) received = Buffer.concat([received, chunk]);
      });
      attacker.resume();
      await eventually(
        async () => (received.length >= 10 * feedBytes ? true : undefined),
        20_000,
        'the attacker to be answered once it reads',
      );
      expect(received.toString('latin1', 0, 15)).toBe('HTTP/1.1 200 OK');
      attacker.destroy();
    },
  );

  // Node's server checks its headers timeout every 30 s (connectionsCheckingInterval) and answers 408: the front
  // door's own is tested.
  it.runIf(frontDoor === 'on')('cuts off a client whose request head trickles in (slowloris)', async () => {
    stack.app.server.headersTimeout = 1_000;
    const slow = await connect(port);
    let answered = false;
    slow.on('data', () => (answered = true));
    const head = get(FEED, `X-Padding: ${'a'.repeat(50)}`);
    let sent = 0;
    // A byte every 100 ms: the head would take ~11 s to arrive.
    while (!slow.destroyed && sent < head.length - 1) {
      slow.write(head[sent++]!);
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (sent > 80) break;
    }
    await eventually(
      async () => (slow.destroyed || slow.readableEnded ? true : undefined),
      30_000,
      'the slow client to be cut off',
    );
    expect(answered).toBe(false);
    expect(sent).toBeLessThan(head.length - 1);
    slow.destroy();
  });
});

describe('a client that never reads, on the front door', () => {
  let stack: Stack;
  let port: number;

  beforeAll(async () => {
    stack = await startStack();
    port = (stack.app.server.address() as AddressInfo).port;
    await client(stack.app, stack.adminToken)('POST', '/api/v1/projects', {
      name: 'token',
      title: 'Token',
      type: 'module',
      gitUrl: 'file:///srv/token',
    });
    for (let minor = 0; minor < 120; minor++)
      await seedRelease(stack.registry, 'token', { version: `8.x-1.${minor}`, commitTime: T + minor });
    await fetchOnce(port, FEED);
  });
  afterAll(() => stack.close());

  it('is disconnected once its answers have waited the keep-alive timeout, instead of held forever', async () => {
    stack.app.server.keepAliveTimeout = 1_000;
    const attacker = await connect(port);
    attacker.pause();
    attacker.write(get(FEED).repeat(500));
    // Not reading, it cannot see the server hang up either: it reads after a pause that is
    // longer than the timeout, and finds what the kernel held and then the end.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    let received = 0;
    attacker.on('data', (chunk: Buffer) => (received += chunk.length));
    attacker.resume();
    await closed(attacker);
    const feedBytes = (await fetchOnce(port, FEED)).bytes;
    expect(received).toBeLessThan(100 * feedBytes);
  });
});

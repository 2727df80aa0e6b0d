import { connectRegistry, type Connected } from '@packhouse/registry';
import { client, eventually, signUp, startStack, type Stack, type TestApp } from '@packhouse/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';

type Client = ReturnType<typeof client>;

/** Two API processes' worth of app on one Postgres and one Redis: limits must hold across them. */
describe('rate limits shared by API instances through Redis', () => {
  let stack: Stack;
  let other: { app: TestApp; connected: Connected };
  let apps: TestApp[];

  beforeAll(async () => {
    stack = await startStack({
      RATE_LIMIT_AUTH_FAILURES: '3',
      RATE_LIMIT_PROJECTS: '2',
      RATE_LIMIT_RELEASES: '2',
      RATE_LIMIT_WEBHOOKS: '3',
    });
    const connected = await connectRegistry(stack.registry.config, pino({ level: 'silent' }), 'api');
    const app = await buildApp(connected.registry);
    await app.listen({ port: 0, host: '127.0.0.1' });
    other = { app, connected };
    apps = [stack.app, app];
    // Counting starts once each process's Redis connection is up (before that, limits lapse).
    for (const registry of [stack.registry, connected.registry]) {
      await eventually(async () => (registry.redis.status === 'ready' ? true : undefined), 10_000, 'Redis');
    }
  });
  afterAll(async () => {
    await other.app.close();
    await other.connected.close();
    await stack.close();
  });

  /** The same caller, alternating between the two instances. */
  const alternating = (token?: string) => {
    const callers = apps.map((app) => client(app, token));
    let next = 0;
    return ((...args: Parameters<Client>) => callers[next++ % callers.length]!(...args)) as Client;
  };

  const expectLimited = (response: Awaited<ReturnType<Client>>, window: number) => {
    expect(response.status).toBe(429);
    expect(response.body.error.code).toBe('too_many_requests');
    const retryAfter = Number(response.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(window);
  };

  it('limits project creation per user across instances', async () => {
    const aliceToken = (await client(stack.app, stack.adminToken)('POST', '/api/v1/users', { name: 'alice' })).body
      .token;
    const alice = alternating(aliceToken);
    const project = (name: string) => ({ name, title: name, type: 'module', gitUrl: `file:///srv/${name}` });
    expect((await alice('POST', '/api/v1/projects', project('one'))).status).toBe(201);
    expect((await alice('POST', '/api/v1/projects', project('two'))).status).toBe(201);
    const third = await alice('POST', '/api/v1/projects', project('three'));
    expectLimited(third, 3600);
    expect(third.body.error.message).toMatch(/limit is 2/);
    expect(
      await stack.registry.db.selectFrom('projects').select('name').where('name', '=', 'three').executeTakeFirst(),
    ).toBeUndefined();
    // Another user has a count of their own.
    const bob = await signUp(stack, 'bob');
    expect((await bob('POST', '/api/v1/projects', project('bobs'))).status).toBe(201);
  });

  it('limits release requests per user across instances', async () => {
    const carol = await signUp(stack, 'carol');
    await carol('POST', '/api/v1/projects', {
      name: 'token',
      title: 'Token',
      type: 'module',
      gitUrl: 'file:///srv/token',
    });
    const token = (await carol('POST', '/api/v1/tokens', { name: 'ci', scopes: ['release'] })).body.token;
    const ci = alternating(token);
    expect((await ci('POST', '/api/v1/projects/token/releases', { tag: '1.0.0' })).status).toBe(202);
    expect((await ci('POST', '/api/v1/projects/token/releases', { tag: '1.0.1' })).status).toBe(202);
    expectLimited(await ci('POST', '/api/v1/projects/token/releases', { tag: '1.0.2' }), 60);
    const versions = await stack.registry.db.selectFrom('releases').select('version').orderBy('id').execute();
    expect(versions.map((row) => row.version)).toEqual(['1.0.0', '1.0.1']);
  });

  it('limits webhook deliveries per address across instances, signed or not', async () => {
    const anonymous = alternating();
    const delivery = () =>
      anonymous(
        'POST',
        '/api/v1/hooks/gitlab',
        { object_kind: 'tag_push', ref: 'refs/tags/1.0.0' },
        { 'x-gitlab-token': 'guess' },
      );
    for (let i = 0; i < 3; i++) expect((await delivery()).status).toBe(401);
    expectLimited(await delivery(), 60);
  });

  // Last: it blocks every token presented from this address for the rest of the minute.
  it('answers 429 past the failed-authentication limit, before looking any token up, on every instance', async () => {
    const guesser = alternating('ph_guessed-token');
    for (let i = 0; i < 3; i++) expect((await guesser('GET', '/api/v1/tokens')).status).toBe(401);
    expectLimited(await guesser('GET', '/api/v1/tokens'), 60);
    for (const app of apps) expectLimited(await client(app, stack.adminToken)('GET', '/api/v1/tokens'), 60);
    // Public reads carry no credentials and stay open.
    expect((await client(other.app)('GET', '/api/v1/projects/token')).status).toBe(200);
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDb, dropDatabase, ensureDatabase, migrate, MIGRATIONS_DIR } from '@packhouse/db';
import { authenticate } from '@packhouse/registry';
import { client, postgresUrl, signUp, startStack, type Stack } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Client = ReturnType<typeof client>;

describe('tokens with a lifecycle', () => {
  let stack: Stack;
  let admin: Client;
  let alice: Client;

  beforeAll(async () => {
    stack = await startStack();
    admin = client(stack.app, stack.adminToken);
    alice = await signUp(stack, 'alice');
    await alice('POST', '/api/v1/projects', {
      name: 'pathauto',
      title: 'Pathauto',
      type: 'module',
      gitUrl: 'file:///srv/pathauto',
    });
  });
  afterAll(() => stack.close());

  const newToken = async (owner: Client, body: object) => {
    const created = await owner('POST', '/api/v1/tokens', body);
    expect(created.status).toBe(201);
    return created.body as { id: string; token: string; name: string; scopes: string[] };
  };

  it('creates named tokens shown once, lists them without their values, and records their last use', async () => {
    const ci = await newToken(alice, { name: 'ci', scopes: ['release'] });
    expect(ci).toMatchObject({
      name: 'ci',
      scopes: ['release'],
      expiresAt: null,
      lastUsedAt: null,
      token: expect.stringMatching(/^ph_/),
    });
    expect((await alice('POST', '/api/v1/tokens', { name: 'ci', scopes: ['release'] })).status).toBe(409);

    await client(stack.app, ci.token)('POST', '/api/v1/projects/pathauto/releases', { tag: '8.x-1.0' });
    const listed = await alice('GET', '/api/v1/tokens');
    expect(listed.status).toBe(200);
    expect(listed.body.tokens.map((token: { name: string }) => token.name)).toEqual(['default', 'ci']);
    expect(JSON.stringify(listed.body)).not.toContain(ci.token);
    const used = listed.body.tokens.find((token: { name: string }) => token.name === 'ci');
    expect(used.lastUsedAt).not.toBeNull();
    // Bob sees only his own.
    const bob = await signUp(stack, 'bob');
    expect((await bob('GET', '/api/v1/tokens')).body.tokens.map((token: { name: string }) => token.name)).toEqual([
      'default',
    ]);
    expect((await bob('DELETE', `/api/v1/tokens/${ci.id}`)).status).toBe(404);
  });

  it('refuses a wrongly scoped token: a release token releases, and does nothing else', async () => {
    const ci = client(stack.app, (await newToken(alice, { name: 'ci-only', scopes: ['release'] })).token);
    expect((await ci('POST', '/api/v1/projects/pathauto/releases', { tag: '8.x-1.1' })).status).toBe(202);

    const refusals = await Promise.all([
      ci('PATCH', '/api/v1/projects/pathauto', { securityCoverage: true }),
      ci('PUT', '/api/v1/projects/pathauto/supported-branches', ['8.x-1.']),
      ci('POST', '/api/v1/projects/pathauto/webhook-secret'),
      ci('PUT', '/api/v1/projects/pathauto/maintainers/alice'),
      ci('POST', '/api/v1/projects', { name: 'ci_made', title: 'x', type: 'module', gitUrl: 'file:///x' }),
      ci('POST', '/api/v1/tokens', { name: 'escalate', scopes: ['manage'] }),
    ]);
    for (const refused of refusals) {
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('forbidden');
    }
    expect(refusals[0]!.body.error.message).toBe(
      "This token's scopes (release) do not allow this; it needs the manage scope.",
    );
    expect((await alice('GET', '/api/v1/projects/pathauto')).body.webhookSecret).toBeUndefined();
    expect(
      await stack.registry.db.selectFrom('projects').select('name').where('name', '=', 'ci_made').executeTakeFirst(),
    ).toBeUndefined();

    // A manage token cannot mint admin, nor an administrator's manage-only token act as one.
    expect((await alice('POST', '/api/v1/tokens', { name: 'root', scopes: ['admin'] })).status).toBe(403);
    const adminManage = client(stack.app, (await newToken(admin, { name: 'day-to-day', scopes: ['manage'] })).token);
    const refusedAdmin = await adminManage('POST', '/api/v1/users', { name: 'mallory' });
    expect(refusedAdmin.status).toBe(403);
    expect(refusedAdmin.body.error.message).toMatch(/admin-scoped token/);
  });

  it('refuses a revoked token at once; a token may revoke itself', async () => {
    const doomed = await newToken(alice, { name: 'doomed', scopes: ['release', 'manage'] });
    const asDoomed = client(stack.app, doomed.token);
    expect((await asDoomed('GET', '/api/v1/tokens')).status).toBe(200);
    expect((await alice('DELETE', `/api/v1/tokens/${doomed.id}`)).status).toBe(204);
    const refused = await asDoomed('GET', '/api/v1/tokens');
    expect(refused.status).toBe(401);
    expect(refused.body.error).toEqual({ code: 'unauthorized', message: 'A valid bearer token is required.' });

    const ci = await newToken(alice, { name: 'self-revoking', scopes: ['release'] });
    expect((await client(stack.app, ci.token)('DELETE', `/api/v1/tokens/${ci.id}`)).status).toBe(204);
    expect(
      (await client(stack.app, ci.token)('POST', '/api/v1/projects/pathauto/releases', { tag: '8.x-1.2' })).status,
    ).toBe(401);
  });

  it('refuses an expired token, and an expiry in the past', async () => {
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    const expiring = await newToken(alice, { name: 'expiring', scopes: ['manage'], expiresAt: soon });
    expect((await client(stack.app, expiring.token)('GET', '/api/v1/tokens')).status).toBe(200);
    // The hour passes.
    await stack.registry.db
      .updateTable('tokens')
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where('id', '=', expiring.id)
      .execute();
    const refused = await client(stack.app, expiring.token)('POST', '/api/v1/projects/pathauto/releases', {
      tag: '8.x-1.3',
    });
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toMatch(/^The token expired at /);

    const past = await alice('POST', '/api/v1/tokens', {
      name: 'past',
      scopes: ['manage'],
      expiresAt: '2020-01-01T00:00:00Z',
    });
    expect(past.status).toBe(422);
    expect(past.body.error.message).toBe('expiresAt must be in the future.');
  });

  it('lets an administrator disable a user: every token stops at once, until enabled again', async () => {
    const carol = await signUp(stack, 'carol');
    const carolCi = client(stack.app, (await newToken(carol, { name: 'ci', scopes: ['release'] })).token);
    await carol('POST', '/api/v1/projects', {
      name: 'spam_module',
      title: 'Spam',
      type: 'module',
      gitUrl: 'file:///srv/spam',
    });

    expect((await alice('PATCH', '/api/v1/users/carol', { disabled: true })).status).toBe(403);
    const disabled = await admin('PATCH', '/api/v1/users/carol', { disabled: true });
    expect(disabled.body).toEqual({ name: 'carol', isAdmin: false, disabled: true });
    for (const as of [carol, carolCi]) {
      const refused = await as('POST', '/api/v1/projects/spam_module/releases', { tag: '1.0.0' });
      expect(refused.status).toBe(401);
      expect(refused.body.error.message).toBe('The account "carol" is disabled.');
    }
    expect((await admin('PATCH', '/api/v1/users/admin', { disabled: true })).status).toBe(409);

    await admin('PATCH', '/api/v1/users/carol', { disabled: false });
    expect((await carolCi('POST', '/api/v1/projects/spam_module/releases', { tag: '1.0.0' })).status).toBe(202);
  });

  it('authenticates before validating: without valid credentials, 401 whatever the body holds', async () => {
    const bodies: [string, string | object | undefined, Record<string, string>][] = [
      ['not JSON', '{"name": ', { 'content-type': 'application/json' }],
      ['the wrong shape', { name: 'Not Valid!', extra: true }, {}],
      ['a media type nobody accepts', '<xml/>', { 'content-type': 'application/xml' }],
      ['nothing', undefined, {}],
      ['a body past the size limit', 'x'.repeat(2 * 1024 * 1024), { 'content-type': 'application/json' }],
    ];
    for (const caller of [client(stack.app), client(stack.app, 'ph_not-a-token'), client(stack.app, '')]) {
      for (const [what, body, headers] of bodies) {
        const response = await caller('POST', '/api/v1/projects', body, headers);
        expect(response.status, what).toBe(401);
        expect(response.body.error.code, what).toBe('unauthorized');
      }
      expect(
        (await caller('PUT', '/api/v1/admin/reserved-names', '][', { 'content-type': 'application/json' })).status,
      ).toBe(401);
    }
    // Every route the OpenAPI document marks as needing a bearer token, this one's and any added later.
    const doc = (await client(stack.app)('GET', '/docs/json')).body;
    const secured = Object.entries(doc.paths as Record<string, Record<string, { security?: unknown[] }>>).flatMap(
      ([path, methods]) =>
        Object.entries(methods)
          .filter(([, operation]) => operation.security?.length)
          .map(([method, _]) => [method.toUpperCase(), path.replace(/\{[^}]+\}/g, 'x')] as const),
    );
    expect(secured.length).toBeGreaterThan(15);
    for (const [method, path] of secured) {
      const response = await client(stack.app)(method as 'POST', path, '{"garbage', {
        'content-type': 'application/json',
        'content-length': '9', // Node's client frames no DELETE body by itself
      });
      expect(response.status, `${method} ${path}`).toBe(401);
    }
    // With valid credentials the same bodies reach validation.
    expect((await alice('POST', '/api/v1/projects', '{"name": ', { 'content-type': 'application/json' })).status).toBe(
      400,
    );
  });
});

describe('the OpenAPI document', () => {
  it('documents tokens, accounts administration, bearer security and the waiting reason', async () => {
    const stack = await startStack();
    try {
      const doc = (await client(stack.app)('GET', '/docs/json')).body;
      for (const path of [
        '/api/v1/tokens',
        '/api/v1/tokens/{id}',
        '/api/v1/admin/reserved-names',
        '/api/v1/admin/projects/{name}/transfer',
        '/api/v1/admin/projects/{name}/approve',
        '/api/v1/users/{name}',
        '/api/v1/projects/{name}/owners/{user}',
      ]) {
        expect(doc.paths[path], path).toBeDefined();
      }
      expect(doc.paths['/api/v1/tokens'].post.security).toEqual([{ bearer: [] }]);
      expect(doc.paths['/api/v1/tokens'].post.responses['429']).toBeDefined();
      expect(doc.components.schemas.Release.properties.reason).toBeDefined();
      expect(doc.components.schemas.Project.properties.owners).toBeDefined();
    } finally {
      await stack.close();
    }
  });
});

describe('tokens issued before named tokens existed', () => {
  it('keep working after the migration, as named tokens with the powers they had', async () => {
    // createTestDatabase applies every migration; this test needs the state before ours.
    const older = await mkdtemp(path.join(tmpdir(), 'packhouse-migrations-'));
    const fresh = await createTestDatabaseAt(older);
    const db = createDb(fresh.url);
    try {
      const hash = (token: string) => createHash('sha256').update(token).digest();
      await db
        .insertInto('users')
        .values({ name: 'legacy', tokenHash: hash('ph_legacy-token') })
        .execute();
      await db
        .insertInto('users')
        .values({ name: 'root', tokenHash: hash('ph_legacy-admin'), isAdmin: true })
        .execute();

      expect(await migrate(fresh.url)).toContain('20261129110100_accounts.sql');
      const legacy = await authenticate(db, 'ph_legacy-token');
      expect(legacy).toMatchObject({ name: 'legacy', isAdmin: false, scopes: ['release', 'manage'] });
      const root = await authenticate(db, 'ph_legacy-admin');
      expect(root).toMatchObject({ name: 'root', isAdmin: true, scopes: ['release', 'manage', 'admin'] });
      const tokens = await db.selectFrom('tokens').select(['name', 'lastUsedAt']).orderBy('id').execute();
      expect(tokens.map((token) => token.name)).toEqual(['default', 'bootstrap']);
      expect(tokens.every((token) => token.lastUsedAt !== null)).toBe(true);
    } finally {
      await db.destroy();
      await fresh.drop();
      await rm(older, { recursive: true, force: true });
    }
  });
});

/** A database migrated with every migration before accounts (copied into `dir`). */
async function createTestDatabaseAt(dir: string) {
  for (const file of await readdir(MIGRATIONS_DIR)) {
    if (file.endsWith('.sql') && file < '20261129110100')
      await copyFile(path.join(MIGRATIONS_DIR, file), path.join(dir, file));
  }
  const url = new URL(await postgresUrl());
  url.pathname = `/packhouse_test_${randomBytes(6).toString('hex')}`;
  await ensureDatabase(url.toString());
  await migrate(url.toString(), dir);
  return { url: url.toString(), drop: () => dropDatabase(url.toString()) };
}

import { client, startStack, type Stack } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('API: users, projects, maintainers, validation', () => {
  let stack: Stack;
  let admin: ReturnType<typeof client>;
  let anonymous: ReturnType<typeof client>;
  let alice: ReturnType<typeof client>;
  let bob: ReturnType<typeof client>;

  beforeAll(async () => {
    stack = await startStack();
    admin = client(stack.app, stack.adminToken);
    anonymous = client(stack.app);
    const a = await admin('POST', '/api/v1/users', { name: 'alice' });
    const b = await admin('POST', '/api/v1/users', { name: 'bob' });
    alice = client(stack.app, a.body.token);
    bob = client(stack.app, b.body.token);
  });
  afterAll(() => stack.close());

  it('creates users only for administrators, shows the token once, and refuses duplicates', async () => {
    const created = await admin('POST', '/api/v1/users', { name: 'carol' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ name: 'carol', token: expect.stringMatching(/^ph_[A-Za-z0-9_-]{43}$/) });
    expect((await admin('POST', '/api/v1/users', { name: 'carol' })).status).toBe(409);
    expect((await alice('POST', '/api/v1/users', { name: 'dave' })).body.error.code).toBe('forbidden');
    expect((await anonymous('POST', '/api/v1/users', { name: 'dave' })).status).toBe(401);
    expect((await client(stack.app, 'ph_wrong')('POST', '/api/v1/users', { name: 'dave' })).status).toBe(401);
    const bad = await admin('POST', '/api/v1/users', { name: 'Not Valid' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/name/);
  });

  it('stores tokens only as hashes', async () => {
    const created = await admin('POST', '/api/v1/users', { name: 'erin' });
    const rows = await stack.registry.db.selectFrom('tokens').select('tokenHash').execute();
    for (const row of rows) expect(row.tokenHash.toString('utf8')).not.toContain(created.body.token);
    expect(rows.every((row) => row.tokenHash.length === 32)).toBe(true);
  });

  it('creates a project whose creator is its maintainer', async () => {
    const created = await alice('POST', '/api/v1/projects', {
      name: 'pathauto',
      title: 'Pathauto',
      type: 'module',
      gitUrl: 'file:///srv/git/pathauto.git',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'pathauto',
      title: 'Pathauto',
      type: 'module',
      maintainers: ['alice'],
      releases: [],
    });

    const fetched = await anonymous('GET', '/api/v1/projects/pathauto');
    expect(fetched.status).toBe(200);
    expect(fetched.body.maintainers).toEqual(['alice']);
    expect((await anonymous('GET', '/api/v1/projects/nope')).status).toBe(404);
    const extra = await alice('POST', '/api/v1/projects', {
      name: 'other',
      title: 'x',
      type: 'module',
      gitUrl: 'file:///x',
      owner: 'me',
    });
    expect(extra.status).toBe(400);
  });

  it('refuses a duplicate project name with 409', async () => {
    const body = { name: 'token', title: 'Token', type: 'module', gitUrl: 'file:///srv/git/token.git' };
    expect((await alice('POST', '/api/v1/projects', body)).status).toBe(201);
    const again = await bob('POST', '/api/v1/projects', body);
    expect(again.status).toBe(409);
    expect(again.body.error).toEqual({ code: 'conflict', message: 'A project named "token" already exists.' });
  });

  it.each([
    [{ name: 'Bad-Name', title: 'x', type: 'module', gitUrl: 'file:///x' }, 400, /name/],
    [{ name: 'x', title: 'x', type: 'module', gitUrl: 'file:///x' }, 400, /name/],
    [{ name: 'ok_name', title: 'x', type: 'plugin', gitUrl: 'file:///x' }, 400, /type/],
    [{ name: 'ok_name', title: 'x', type: 'module' }, 400, /gitUrl/],
    [{ name: 'ok_name', title: 'x', type: 'module', gitUrl: 'https://elsewhere.example/x.git' }, 422, /gitUrl/],
    [{ name: 'ok_name', title: 'x', type: 'module', gitUrl: 'ext::sh -c touch% /tmp/pwned' }, 422, /gitUrl/],
  ])('refuses project %j with %i naming the rule', async (body, status, message) => {
    const response = await alice('POST', '/api/v1/projects', body);
    expect(response.status).toBe(status);
    expect(response.body.error.message).toMatch(message);
  });

  it(
    'lets owners add and remove maintainers; a plain maintainer cannot ' + 'remove the owner; the last owner stays',
    async () => {
      await alice('POST', '/api/v1/projects', {
        name: 'views',
        title: 'Views',
        type: 'module',
        gitUrl: 'file:///x/views',
      });
      expect((await bob('PUT', '/api/v1/projects/views/maintainers/bob')).status).toBe(403);
      expect((await anonymous('PUT', '/api/v1/projects/views/maintainers/bob')).status).toBe(401);
      const added = await alice('PUT', '/api/v1/projects/views/maintainers/bob');
      expect(added.body).toEqual({ maintainers: ['alice', 'bob'], owners: ['alice'] });
      expect((await alice('PUT', '/api/v1/projects/views/maintainers/nobody')).status).toBe(404);

      const coup = await bob('DELETE', '/api/v1/projects/views/maintainers/alice');
      expect(coup.status).toBe(403);
      expect(coup.body.error.message).toBe('Only owners of views can change its maintainers.');
      expect((await bob('PUT', '/api/v1/projects/views/owners/bob')).status).toBe(403);
      const abdicate = await alice('DELETE', '/api/v1/projects/views/maintainers/alice');
      expect(abdicate.status).toBe(409);
      expect(abdicate.body.error.message).toMatch(/last owner/);

      expect((await alice('PUT', '/api/v1/projects/views/owners/bob')).body.owners).toEqual(['alice', 'bob']);
      expect((await bob('DELETE', '/api/v1/projects/views/maintainers/alice')).body).toEqual({
        maintainers: ['bob'],
        owners: ['bob'],
      });
      const last = await bob('DELETE', '/api/v1/projects/views/maintainers/bob');
      expect(last.status).toBe(409);
      expect(last.body.error.message).toMatch(/last owner/);
    },
  );

  it('validates release tags as Drupal versions and names the rule', async () => {
    await alice('POST', '/api/v1/projects', {
      name: 'ctools',
      title: 'Chaos tools',
      type: 'module',
      gitUrl: 'file:///x/ctools',
    });
    const invalid = await alice('POST', '/api/v1/projects/ctools/releases', { tag: '8.x-1' });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.code).toBe('invalid');
    expect(invalid.body.error.message).toMatch(/8\.x-1/);
    const dev = await alice('POST', '/api/v1/projects/ctools/releases', { tag: '8.x-1.x-dev' });
    expect(dev.status).toBe(422);
    expect(
      (await alice('POST', '/api/v1/projects/ctools/releases', { tag: '8.x-1.0', releaseTypes: ['urgent'] })).status,
    ).toBe(400);
    expect((await bob('POST', '/api/v1/projects/ctools/releases', { tag: '8.x-1.0' })).status).toBe(403);
    expect((await anonymous('POST', '/api/v1/projects/ctools/releases', { tag: '8.x-1.0' })).status).toBe(401);

    const queued = await alice('POST', '/api/v1/projects/ctools/releases', {
      tag: '8.x-1.0',
      releaseTypes: ['security', 'bugfix'],
    });
    expect(queued.status).toBe(202);
    expect(queued.body).toMatchObject({
      project: 'ctools',
      version: '8.x-1.0',
      tag: '8.x-1.0',
      status: 'queued',
      commit: null,
      files: [],
    });
    expect(queued.body.releaseTypes).toEqual(['security', 'bugfix']);
    const again = await alice('POST', '/api/v1/projects/ctools/releases', { tag: '8.x-1.0' });
    expect(again.status).toBe(409);
    expect((await anonymous('GET', '/api/v1/projects/ctools/releases/9.9.9')).status).toBe(404);
    expect((await anonymous('GET', '/api/v1/projects/ctools/releases/8.x-1.0')).body.status).toBe('queued');
  });

  it('answers errors in one envelope and unknown routes with 404', async () => {
    const response = await anonymous('GET', '/api/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    expect((await anonymous('GET', '/files/projects/missing-1.0.0.tar.gz')).status).toBe(404);
  });

  it('serves an OpenAPI document covering every route', async () => {
    const response = await anonymous('GET', '/docs/json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toMatch(/^3\./);
    expect(Object.keys(response.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/users',
        '/api/v1/projects',
        '/api/v1/projects/{name}',
        '/api/v1/projects/{name}/maintainers/{user}',
        '/api/v1/projects/{name}/releases',
        '/api/v1/projects/{name}/releases/{version}',
        '/files/projects/{file}',
        '/healthz',
        '/readyz',
      ]),
    );
  });

  it('reports health and readiness', async () => {
    expect((await anonymous('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await anonymous('GET', '/readyz')).body).toEqual({ status: 'ready' });
  });
});

import { client, createRepo, signUp, startStack, type Stack } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('operator quotas: each refusal names the setting that set the limit', () => {
  let stack: Stack;
  let maintainer: ReturnType<typeof client>;

  beforeAll(async () => {
    stack = await startStack({
      MAX_PROJECTS_PER_USER: '2',
      MAX_RELEASES_PER_PROJECT_HOUR: '3',
      MAX_DEV_BUILDS_PER_BRANCH_DAY: '2',
    });
    maintainer = await signUp(stack, 'alice');
  });
  afterAll(() => stack.close());

  const create = (name: string, as = maintainer) =>
    as('POST', '/api/v1/projects', { name, title: name, type: 'module', gitUrl: `file:///srv/${name}` });

  it('projects per user: a user cannot create projects without end', async () => {
    expect((await create('first')).status).toBe(201);
    expect((await create('second')).status).toBe(201);
    const refused = await create('third');
    expect(refused.status).toBe(429);
    expect(refused.body.error).toEqual({
      code: 'quota_exceeded',
      message: 'alice already maintains 2 projects: the limit is 2 (MAX_PROJECTS_PER_USER).',
    });
    expect((await client(stack.app)('GET', '/api/v1/projects/third')).status).toBe(404);
    // Another user has a quota of their own; administrators none.
    expect((await create('bobs', await signUp(stack, 'bob'))).status).toBe(201);
    expect((await create('admins', client(stack.app, stack.adminToken))).status).toBe(201);
  });

  it('release requests per project per hour', async () => {
    for (const tag of ['8.x-1.0', '8.x-1.1', '8.x-1.2'])
      expect((await maintainer('POST', '/api/v1/projects/first/releases', { tag })).status).toBe(202);
    const refused = await maintainer('POST', '/api/v1/projects/first/releases', { tag: '8.x-1.3' });
    expect(refused.status).toBe(429);
    expect(refused.body.error.message).toBe(
      'first has requested 3 releases in the last hour: the limit is 3 (MAX_RELEASES_PER_PROJECT_HOUR).',
    );
    const versions = (await client(stack.app)('GET', '/api/v1/projects/first')).body.releases.map(
      (release: { version: string }) => release.version,
    );
    expect(versions).not.toContain('8.x-1.3');
    // Another project is counted on its own.
    expect((await maintainer('POST', '/api/v1/projects/second/releases', { tag: '8.x-1.0' })).status).toBe(202);
  });

  it('dev builds per branch per day', async () => {
    const repo = await createRepo();
    repo.git('checkout', '-q', '-b', '8.x-1.x');
    repo.commit({ 'devs.info.yml': 'name: Devs\ntype: module\n' });
    const admin = client(stack.app, stack.adminToken);
    expect(
      (await admin('POST', '/api/v1/projects', { name: 'devs', title: 'Devs', type: 'module', gitUrl: repo.url }))
        .status,
    ).toBe(201);
    // Registering queues the first build; no worker runs, so each further request would wait on it:
    // the builds are marked finished to let the next one queue.
    expect((await admin('POST', '/api/v1/projects/devs/branches', { branch: '8.x-1.x' })).status).toBe(202);
    const finishAll = () =>
      stack.registry.db.updateTable('builds').set({ status: 'failed' }).where('status', '=', 'queued').execute();
    await finishAll();
    expect((await admin('POST', '/api/v1/projects/devs/branches/8.x-1.x/build')).status).toBe(202);
    await finishAll();
    const refused = await admin('POST', '/api/v1/projects/devs/branches/8.x-1.x/build');
    expect(refused.status).toBe(429);
    expect(refused.body.error.message).toBe(
      'devs 8.x-1.x-dev has been built 2 times in the last day: the limit is 2 (MAX_DEV_BUILDS_PER_BRANCH_DAY).',
    );
  });
});

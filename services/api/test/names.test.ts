import { reconcile } from '@packhouse/registry';
import {
  client,
  createRepo,
  eventually,
  removeRepos,
  signUp,
  startStack,
  type Stack,
  type TestRepo,
} from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Client = ReturnType<typeof client>;

describe('names and who may claim them', () => {
  let stack: Stack;
  let admin: Client;
  let alice: Client;
  let carol: Client;

  beforeAll(async () => {
    stack = await startStack();
    admin = client(stack.app, stack.adminToken);
    alice = await signUp(stack, 'alice');
    await signUp(stack, 'bob');
    carol = await signUp(stack, 'carol');
  });
  afterAll(() => stack.close());

  const project = (name: string, type = 'module') => ({ name, title: name, type, gitUrl: `file:///srv/${name}` });

  it('refuses anyone but an administrator a core project: nobody squats drupal as core', async () => {
    for (const name of ['drupal', 'my_core']) {
      const refused = await alice('POST', '/api/v1/projects', project(name, 'core'));
      expect(refused.status).toBe(403);
      expect(refused.body.error).toEqual({
        code: 'forbidden',
        message: 'Only an administrator can create a project of type core.',
      });
    }
    expect((await client(stack.app)('GET', '/api/v1/projects/drupal')).status).toBe(404);
    const created = await admin('POST', '/api/v1/projects', project('drupal', 'core'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ type: 'core', maintainers: ['admin'], owners: ['admin'], approved: true });
  });

  it('keeps reserved names for administrators, and lets them edit the list', async () => {
    const listed = await admin('GET', '/api/v1/admin/reserved-names');
    expect(listed.body.names).toEqual(expect.arrayContaining(['drupal', 'core']));
    const squat = await alice('POST', '/api/v1/projects', project('core'));
    expect(squat.status).toBe(403);
    expect(squat.body.error.message).toBe(
      '"core" is a reserved name; only an administrator can create a project with it.',
    );

    const replaced = await admin('PUT', '/api/v1/admin/reserved-names', {
      names: ['drupal', 'core', 'ctools', 'ctools'],
    });
    expect(replaced.body).toEqual({ names: ['core', 'ctools', 'drupal'] });
    expect((await alice('POST', '/api/v1/projects', project('ctools'))).status).toBe(403);
    expect((await admin('POST', '/api/v1/projects', project('ctools'))).status).toBe(201);

    expect((await alice('GET', '/api/v1/admin/reserved-names')).status).toBe(403);
    expect((await alice('PUT', '/api/v1/admin/reserved-names', { names: [] })).status).toBe(403);
    const bad = await admin('PUT', '/api/v1/admin/reserved-names', { names: ['Not A Name'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/names\/0/);
    expect((await admin('GET', '/api/v1/admin/reserved-names')).body.names).toEqual(['core', 'ctools', 'drupal']);
  });

  it('keeps the owner in charge: a plain maintainer releases but cannot remove the owner', async () => {
    await alice('POST', '/api/v1/projects', project('pathauto'));
    await alice('PUT', '/api/v1/projects/pathauto/maintainers/bob');
    const bob = client(stack.app, (await admin('POST', '/api/v1/users', { name: 'bob_two' })).body.token);
    await alice('PUT', '/api/v1/projects/pathauto/maintainers/bob_two');
    expect((await bob('POST', '/api/v1/projects/pathauto/releases', { tag: '8.x-1.0' })).status).toBe(202);
    const removal = await bob('DELETE', '/api/v1/projects/pathauto/maintainers/alice');
    expect(removal.status).toBe(403);
    expect((await bob('PUT', '/api/v1/projects/pathauto/owners/bob_two')).status).toBe(403);
    expect((await bob('DELETE', '/api/v1/projects/pathauto/maintainers/bob')).status).toBe(403);
    expect((await client(stack.app)('GET', '/api/v1/projects/pathauto')).body).toMatchObject({
      maintainers: ['alice', 'bob', 'bob_two'],
      owners: ['alice'],
    });
    // A plain maintainer may still leave.
    expect((await bob('DELETE', '/api/v1/projects/pathauto/maintainers/bob_two')).body.maintainers).toEqual([
      'alice',
      'bob',
    ]);
  });

  it('lets administrators, and only them, transfer a squatted project to someone else', async () => {
    await alice('POST', '/api/v1/projects', project('popular'));
    await alice('PUT', '/api/v1/projects/popular/maintainers/bob');
    expect((await alice('POST', '/api/v1/admin/projects/popular/transfer', { to: 'alice' })).status).toBe(403);
    expect((await admin('POST', '/api/v1/admin/projects/popular/transfer', { to: 'nobody' })).status).toBe(404);
    const moved = await admin('POST', '/api/v1/admin/projects/popular/transfer', { to: 'carol' });
    expect(moved.body).toEqual({ maintainers: ['carol'], owners: ['carol'] });
    expect((await alice('POST', '/api/v1/projects/popular/releases', { tag: '1.0.0' })).status).toBe(403);
    expect((await carol('POST', '/api/v1/projects/popular/releases', { tag: '1.0.0' })).status).toBe(202);
  });
});

describe('PROJECT_APPROVAL=admin: releases wait, visibly, until an administrator approves', () => {
  let stack: Stack;
  let admin: Client;
  let alice: Client;
  let repo: TestRepo;
  const anonymous = () => client(stack.app);

  beforeAll(async () => {
    stack = await startStack({ PROJECT_APPROVAL: 'admin' });
    stack.startWorker();
    admin = client(stack.app, stack.adminToken);
    alice = await signUp(stack, 'alice');
    repo = await createRepo({ 'hello.info.yml': 'name: Hello\ntype: module\n' });
    repo.tag('1.0.0');
    repo.tag('1.1.0');
  });
  afterAll(async () => {
    await stack.close();
    await removeRepos();
  });

  const releaseRow = (version: string) =>
    stack.registry.db
      .selectFrom('releases')
      .select(['id', 'status', 'attempts'])
      .where('version', '=', version)
      .executeTakeFirstOrThrow();

  it(
    "holds a new project's releases queued with the reason, however they arrive, and the worker leaves them " + 'be',
    async () => {
      const created = await alice('POST', '/api/v1/projects', {
        name: 'hello',
        title: 'Hello',
        type: 'module',
        gitUrl: repo.url,
      });
      expect(created.body.approved).toBe(false);
      const secret = created.body.webhookSecret as string;

      const requested = await alice('POST', '/api/v1/projects/hello/releases', { tag: '1.0.0' });
      expect(requested.status).toBe(202);
      expect(requested.body).toMatchObject({ status: 'queued', reason: 'awaiting-approval' });
      const hook = await stack.app.inject({
        method: 'POST',
        url: '/api/v1/hooks/gitlab',
        headers: { 'content-type': 'application/json', 'x-gitlab-token': secret },
        payload: {
          object_kind: 'tag_push',
          ref: 'refs/tags/1.1.0',
          after: repo.git('rev-parse', '1.1.0'),
          project: { git_http_url: repo.url },
        },
      });
      expect(hook.statusCode).toBe(202);
      repo.git('branch', '1.x');
      expect((await alice('POST', '/api/v1/projects/hello/branches', { branch: '1.x' })).body).toMatchObject({
        status: 'queued',
        reason: 'awaiting-approval',
      });

      for (const version of ['1.0.0', '1.1.0', '1.x-dev']) {
        expect((await anonymous()('GET', `/api/v1/projects/hello/releases/${version}`)).body).toMatchObject({
          status: 'queued',
          reason: 'awaiting-approval',
        });
      }
      const page = await anonymous()('GET', '/api/v1/projects/hello');
      expect(page.body.approved).toBe(false);
      expect(page.body.releases.every((release: { reason?: string }) => release.reason === 'awaiting-approval')).toBe(
        true,
      );

      // The reconciler does not enqueue them, and a job that reaches the worker anyway claims nothing.
      expect(await reconcile(stack.registry, 0)).toBe(0);
      const build = await stack.registry.db.selectFrom('builds').select(['id', 'status']).executeTakeFirstOrThrow();
      expect(build.status).toBe('queued');
      const { id } = await releaseRow('1.0.0');
      await stack.registry.queue.enqueue(id);
      await stack.registry.queue.enqueueDevBuild(build.id);
      for (const job of [`release-${id}`, `build-${build.id}`]) {
        await eventually(
          async () => ((await stack.registry.queue.queue.getJob(job)) ? undefined : true),
          30_000,
          `the stray job ${job}`,
        );
      }
      expect(await releaseRow('1.0.0')).toMatchObject({ status: 'queued', attempts: 0 });
      expect(
        await stack.registry.db.selectFrom('builds').select(['status', 'attempts']).executeTakeFirstOrThrow(),
      ).toEqual({ status: 'queued', attempts: 0 });
      expect(await stack.registry.storage.list()).toEqual([]);
      expect((await anonymous()('GET', '/release-history/hello/current')).raw.toString()).not.toContain('<release>');
    },
  );

  it('packages everything that waited once an administrator approves, and only an administrator may', async () => {
    expect((await alice('POST', '/api/v1/admin/projects/hello/approve')).status).toBe(403);
    expect((await alice('GET', '/api/v1/admin/projects/awaiting-approval')).status).toBe(403);
    const awaiting = await admin('GET', '/api/v1/admin/projects/awaiting-approval');
    expect(awaiting.body.projects).toEqual([expect.objectContaining({ name: 'hello', owners: ['alice'], waiting: 3 })]);
    const approved = await admin('POST', '/api/v1/admin/projects/hello/approve');
    expect(approved.body).toEqual({ name: 'hello', approved: true, enqueued: 3 });
    for (const version of ['1.0.0', '1.1.0', '1.x-dev']) {
      const release = await eventually(
        async () => {
          const body = (await anonymous()('GET', `/api/v1/projects/hello/releases/${version}`)).body;
          return body.status === 'published' ? body : undefined;
        },
        60_000,
        `${version} published`,
      );
      expect(release.reason).toBeUndefined();
    }
    expect((await admin('POST', '/api/v1/admin/projects/hello/approve')).status).toBe(409);
    expect((await admin('GET', '/api/v1/admin/projects/awaiting-approval')).body.projects).toEqual([]);
    // From now on releases go straight to the queue.
    repo.tag('1.2.0');
    expect((await alice('POST', '/api/v1/projects/hello/releases', { tag: '1.2.0' })).body.reason).toBeUndefined();
  });

  it("approves an administrator's own project at once", async () => {
    expect(
      (
        await admin('POST', '/api/v1/projects', {
          name: 'official',
          title: 'Official',
          type: 'module',
          gitUrl: repo.url,
        })
      ).body.approved,
    ).toBe(true);
  });
});

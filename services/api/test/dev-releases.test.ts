import { createHash } from 'node:crypto';
import {
  client,
  createRepo,
  eventually,
  readTarGz,
  signUp,
  type Stack,
  startStack,
  type TestRepo,
} from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const FIRST = 1_764_288_000;
const SECOND = FIRST + 3_600;

describe('dev snapshot releases', () => {
  let stack: Stack;
  let repo: TestRepo;
  let maintainer: ReturnType<typeof client>;
  let anonymous: ReturnType<typeof client>;
  let secret: string;

  const release = async () => (await anonymous('GET', '/api/v1/projects/pathauto/releases/8.x-1.x-dev')).body;
  const settled = (count: number) =>
    eventually(
      async () => {
        const body = await release();
        const finished = body.builds?.filter(
          (build: { status: string }) => !['queued', 'building'].includes(build.status),
        );
        return body.builds?.length === count && finished.length === count ? body : undefined;
      },
      30_000,
      `${count} finished builds`,
    );
  const pushHook = (head: string) =>
    stack.app.inject({
      method: 'POST',
      url: '/api/v1/hooks/gitlab',
      headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': secret },
      payload: JSON.stringify({
        object_kind: 'push',
        ref: 'refs/heads/8.x-1.x',
        after: head,
        project: { git_http_url: repo.url },
      }),
    });

  beforeAll(async () => {
    stack = await startStack();
    stack.startWorker();
    maintainer = await signUp(stack, 'alice');
    anonymous = client(stack.app);
    repo = await createRepo();
    repo.git('checkout', '-q', '-b', '8.x-1.x');
    repo.commit({ 'pathauto.info.yml': 'name: Pathauto\ntype: module\n' }, FIRST);
    const created = await maintainer('POST', '/api/v1/projects', {
      name: 'pathauto',
      title: 'Pathauto',
      type: 'module',
      gitUrl: repo.url,
    });
    secret = created.body.webhookSecret;
  });
  afterAll(() => stack.close());

  it('refuses a branch that is not a Drupal release branch', async () => {
    for (const branch of ['main', '8.x-1.0', 'feature/x']) {
      const response = await maintainer('POST', '/api/v1/projects/pathauto/branches', { branch });
      expect(response.status).toBe(422);
      expect(response.body.error.message).toContain(branch);
    }
    expect((await anonymous('POST', '/api/v1/projects/pathauto/branches', { branch: '8.x-1.x' })).status).toBe(401);
  });

  it('registers a branch and packages its head as {branch}-dev', async () => {
    const registered = await maintainer('POST', '/api/v1/projects/pathauto/branches', { branch: '8.x-1.x' });
    expect(registered.status).toBe(202);
    expect(registered.body).toMatchObject({ version: '8.x-1.x-dev', tag: '8.x-1.x', kind: 'dev' });
    expect((await maintainer('POST', '/api/v1/projects/pathauto/branches', { branch: '8.x-1.x' })).status).toBe(409);

    const body = await settled(1);
    const head = repo.git('rev-parse', 'HEAD');
    expect(body).toMatchObject({ status: 'published', commit: head });
    expect(body.files.map((file: { name: string }) => file.name).sort()).toEqual([
      `pathauto-8.x-1.x-dev-${head.slice(0, 12)}.tar.gz`,
      `pathauto-8.x-1.x-dev-${head.slice(0, 12)}.zip`,
    ]);
    const tarball = await readTarGz(
      (await anonymous('GET', `/files/projects/pathauto-8.x-1.x-dev-${head.slice(0, 12)}.tar.gz`)).raw,
    );
    const info = tarball.find((entry) => entry.name === 'pathauto/pathauto.info.yml')!.content.toString();
    expect(info).toContain(`version: '8.x-1.x-dev'\nproject: 'pathauto'\ndatestamp: ${FIRST}\n`);
  });

  it('serves the newest build under the stable name', async () => {
    const head = repo.git('rev-parse', 'HEAD');
    const stable = await anonymous('GET', '/files/projects/pathauto-8.x-1.x-dev.tar.gz');
    expect(stable.status).toBe(302);
    expect(stable.headers.location).toBe(
      `http://packhouse.test/files/projects/pathauto-8.x-1.x-dev-${head.slice(0, 12)}.tar.gz`,
    );
    expect(stable.headers['cache-control']).toBe('no-cache');
  });

  it('does nothing when a push did not move the head', async () => {
    const response = await pushHook(repo.git('rev-parse', 'HEAD'));
    expect(response.statusCode).toBe(200);
    expect(response.json().outcome).toBe('unchanged');
    expect((await release()).builds).toHaveLength(1);
  });

  it('packages a moved head as a new immutable build, keeping the old one', async () => {
    const before = await release();
    const old = before.files.find((file: { archiveType: string }) => file.archiveType === 'tar.gz');
    const head = repo.commit(
      { 'pathauto.info.yml': 'name: Pathauto\ntype: module\n', 'pathauto.module': '<?php\n' },
      SECOND,
    );

    const response = await pushHook(head);
    expect(response.statusCode).toBe(202);
    expect(response.json().outcome).toBe('build_queued');
    const after = await settled(2);
    expect(after.commit).toBe(head);
    expect(after.builds.map((build: { status: string; commit: string }) => [build.status, build.commit])).toEqual([
      ['published', head],
      ['published', before.commit],
    ]);
    expect(after.builds[1].files.map((file: { sha256: string }) => file.sha256)).toContain(old.sha256);

    const previous = await anonymous('GET', `/files/projects/${old.name}`);
    expect(createHash('sha256').update(previous.raw).digest('hex')).toBe(old.sha256);
    const stable = await anonymous('GET', '/files/projects/pathauto-8.x-1.x-dev.zip');
    expect(stable.headers.location).toBe(
      `http://packhouse.test/files/projects/pathauto-8.x-1.x-dev-${head.slice(0, 12)}.zip`,
    );
    const info = (
      await readTarGz((await anonymous('GET', `/files/projects/pathauto-8.x-1.x-dev-${head.slice(0, 12)}.tar.gz`)).raw)
    )
      .find((entry) => entry.name === 'pathauto/pathauto.info.yml')!
      .content.toString();
    expect(info).toContain(`datestamp: ${SECOND}\n`);
  });

  it('costs no packaging when asked to build an unmoved branch', async () => {
    const objects = (await stack.registry.storage.list()).length;
    const response = await maintainer('POST', '/api/v1/projects/pathauto/branches/8.x-1.x/build');
    expect(response.status).toBe(202);
    const after = await settled(3);
    expect(after.builds[0]).toMatchObject({ status: 'unchanged', files: [] });
    expect((await stack.registry.storage.list()).length).toBe(objects);
    expect((await anonymous('POST', '/api/v1/projects/pathauto/branches/8.x-1.x/build')).status).toBe(401);
    expect((await maintainer('POST', '/api/v1/projects/pathauto/branches/9.x-1.x/build')).status).toBe(404);
  });

  it('makes the earlier build current again when the head moves back to its commit', async () => {
    const before = await release();
    const first = before.builds[before.builds.length - 1];
    const objects = (await stack.registry.storage.list()).length;
    repo.git('reset', '-q', '--hard', first.commit);

    expect((await pushHook(first.commit)).json().outcome).toBe('build_queued');
    const after = await settled(4);
    expect(after).toMatchObject({ status: 'published', commit: first.commit });
    expect(after.builds[0]).toMatchObject({ status: 'unchanged', commit: first.commit, files: [] });
    expect(after.files.map((file: { sha256: string }) => file.sha256).sort()).toEqual(
      first.files.map((file: { sha256: string }) => file.sha256).sort(),
    );
    expect((await stack.registry.storage.list()).length).toBe(objects);
    const stable = await anonymous('GET', '/files/projects/pathauto-8.x-1.x-dev.zip');
    expect(stable.headers.location).toBe(
      `http://packhouse.test/files/projects/pathauto-8.x-1.x-dev-${first.commit.slice(0, 12)}.zip`,
    );
  });
});

describe('dev builds while no worker runs', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('keeps one waiting build per branch: later pushes join it', async () => {
    const maintainer = await signUp(stack, 'alice');
    const repo = await createRepo();
    repo.git('checkout', '-q', '-b', '2.0.x');
    repo.commit({ 'views.info.yml': 'name: Views\ntype: module\n' });
    await maintainer('POST', '/api/v1/projects', { name: 'views', title: 'Views', type: 'module', gitUrl: repo.url });
    expect((await maintainer('POST', '/api/v1/projects/views/branches', { branch: '2.0.x' })).body.version).toBe(
      '2.0.x-dev',
    );
    const again = await maintainer('POST', '/api/v1/projects/views/branches/2.0.x/build');
    expect(again.status).toBe(200);
    expect(again.body.outcome).toBe('already_queued');
    stack.startWorker();
    await eventually(async () => {
      const body = (await maintainer('GET', '/api/v1/projects/views/releases/2.0.x-dev')).body;
      return body.status === 'published' ? body : undefined;
    });
  });
});

import { createHmac } from 'node:crypto';
import { client, createRepo, eventually, signUp, type Stack, startStack, type TestRepo } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ZERO = '0'.repeat(40);

describe('webhooks from git hosts', () => {
  let stack: Stack;
  let repo: TestRepo;
  let maintainer: ReturnType<typeof client>;
  let secret: string;

  const gitlab = (body: object, token: string | undefined, event = 'Tag Push Hook') =>
    stack.app.inject({
      method: 'POST',
      url: '/api/v1/hooks/gitlab',
      headers: {
        'content-type': 'application/json',
        'x-gitlab-event': event,
        ...(token ? { 'x-gitlab-token': token } : {}),
      },
      payload: JSON.stringify(body),
    });

  const github = (event: string, raw: string, key: string | null = secret) =>
    stack.app.inject({
      method: 'POST',
      url: '/api/v1/hooks/github',
      headers: {
        'content-type': 'application/json',
        'x-github-event': event,
        ...(key ? { 'x-hub-signature-256': `sha256=${createHmac('sha256', key).update(raw).digest('hex')}` } : {}),
      },
      payload: raw,
    });

  const tagPush = (tag: string, after: string) => ({
    object_kind: 'tag_push',
    ref: `refs/tags/${tag}`,
    after,
    checkout_sha: after === ZERO ? null : after,
    project: { git_http_url: repo.url, web_url: 'https://git.example.org/token' },
    repository: { git_http_url: repo.url },
  });

  const releaseRows = () =>
    stack.registry.db
      .selectFrom('releases')
      .select(['version', 'attempts', 'status', 'commit'])
      .orderBy('id')
      .execute();

  beforeAll(async () => {
    stack = await startStack();
    stack.startWorker();
    maintainer = await signUp(stack, 'alice');
    repo = await createRepo({ 'token.info.yml': 'name: Token\ntype: module\n' });
    repo.tag('8.x-1.0');
    const created = await maintainer('POST', '/api/v1/projects', {
      name: 'token',
      title: 'Token',
      type: 'module',
      gitUrl: repo.url,
    });
    secret = created.body.webhookSecret;
  });
  afterAll(() => stack.close());

  it('shows the webhook secret once, at creation', async () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    expect((await maintainer('GET', '/api/v1/projects/token')).body.webhookSecret).toBeUndefined();
  });

  it('refuses a delivery with a wrong or missing token, recording nothing', async () => {
    expect((await gitlab(tagPush('8.x-1.0', repo.git('rev-parse', 'HEAD')), 'whsec_wrong')).statusCode).toBe(401);
    expect((await gitlab(tagPush('8.x-1.0', repo.git('rev-parse', 'HEAD')), undefined)).statusCode).toBe(401);
    const raw = JSON.stringify({
      ref: 'refs/tags/8.x-1.0',
      after: repo.git('rev-parse', 'HEAD'),
      repository: { clone_url: repo.url },
    });
    expect((await github('push', raw, 'whsec_wrong')).statusCode).toBe(401);
    expect((await github('push', raw, null)).statusCode).toBe(401);
    const unknown = await gitlab(
      {
        ...tagPush('8.x-1.0', repo.git('rev-parse', 'HEAD')),
        project: { git_http_url: 'file:///nowhere' },
        repository: {},
      },
      secret,
    );
    expect(unknown.statusCode).toBe(401);
    expect(await releaseRows()).toEqual([]);
  });

  it('releases a pushed version tag from GitLab, and a replay is the same release with no second build', async () => {
    const head = repo.git('rev-parse', 'HEAD');
    const first = await gitlab(tagPush('8.x-1.0', head), secret);
    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({ outcome: 'release_queued', project: 'token', version: '8.x-1.0' });
    await eventually(async () => ((await releaseRows())[0]?.status === 'published' ? true : undefined));
    const replay = await gitlab(tagPush('8.x-1.0', head), secret);
    expect(replay.statusCode).toBe(200);
    expect(replay.json().outcome).toBe('exists');
    expect(await releaseRows()).toEqual([{ version: '8.x-1.0', attempts: 1, status: 'published', commit: head }]);
  });

  it('ignores tags that are not versions, saying why', async () => {
    const response = await gitlab(tagPush('latest-stable', repo.git('rev-parse', 'HEAD')), secret);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      outcome: 'ignored',
      message: expect.stringMatching(/latest-stable.*not a Drupal version/),
    });
  });

  it('ignores a tag whose Composer version another release is, naming the rule', async () => {
    repo.tag('1.0.0');
    const response = await gitlab(tagPush('1.0.0', repo.git('rev-parse', 'HEAD')), secret);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      outcome: 'ignored',
      message: expect.stringMatching(
        /1\.0\.0 would be Composer version 1\.0\.0, which token 8\.x-1\.0.*composer_version_taken/,
      ),
    });
    expect((await releaseRows()).map((row) => row.version)).toEqual(['8.x-1.0']);
  });

  it('leaves a published release alone when its tag is deleted', async () => {
    const response = await gitlab(tagPush('8.x-1.0', ZERO), secret);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ outcome: 'ignored', message: expect.stringMatching(/immutable/) });
    expect((await maintainer('GET', '/api/v1/projects/token/releases/8.x-1.0')).body.status).toBe('published');
  });

  it('releases from GitHub push and create events signed over the raw body', async () => {
    repo.commit({ 'token.info.yml': 'name: Token\ntype: module\n', 'token.module': '<?php\n' });
    repo.tag('8.x-1.1', { annotated: true });
    // Unusual spacing: the signature covers these exact bytes, not a re-serialisation.
    const raw = `{ "ref" : "refs/tags/8.x-1.1", "after": "${repo.git('rev-parse', 'HEAD')}", "deleted": false,\n "repository": {"clone_url": "${repo.url}.git"} }`;
    const push = await github('push', raw);
    expect(push.statusCode).toBe(202);
    expect(push.json()).toMatchObject({ outcome: 'release_queued', version: '8.x-1.1' });
    const create = await github(
      'create',
      JSON.stringify({ ref: '8.x-1.1', ref_type: 'tag', repository: { clone_url: repo.url } }),
    );
    expect(create.statusCode).toBe(200);
    expect(create.json().outcome).toBe('exists');
    const tampered = raw.replace('8.x-1.1', '8.x-1.9');
    const forged = await stack.app.inject({
      method: 'POST',
      url: '/api/v1/hooks/github',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`,
      },
      payload: tampered,
    });
    expect(forged.statusCode).toBe(401);
    expect((await releaseRows()).map((row) => row.version)).toEqual(['8.x-1.0', '8.x-1.1']);
  });

  it('answers a GitHub ping once configured', async () => {
    const response = await github(
      'ping',
      JSON.stringify({ zen: 'Keep it logically awesome.', repository: { clone_url: repo.url } }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ outcome: 'pong', project: 'token' });
  });

  it('ignores pushes to branches that are not registered', async () => {
    const response = await gitlab(
      {
        object_kind: 'push',
        ref: 'refs/heads/main',
        after: repo.git('rev-parse', 'HEAD'),
        project: { git_http_url: repo.url },
      },
      secret,
      'Push Hook',
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      outcome: 'ignored',
      message: expect.stringMatching(/not a registered release branch/),
    });
  });

  it('rotates the secret: the old one stops working', async () => {
    expect((await client(stack.app)('POST', '/api/v1/projects/token/webhook-secret')).status).toBe(401);
    const rotated = await maintainer('POST', '/api/v1/projects/token/webhook-secret');
    expect(rotated.status).toBe(200);
    expect(rotated.body.webhookSecret).not.toBe(secret);
    expect((await gitlab(tagPush('8.x-1.0', repo.git('rev-parse', 'HEAD')), secret)).statusCode).toBe(401);
    expect(
      (await gitlab(tagPush('8.x-1.0', repo.git('rev-parse', 'HEAD')), rotated.body.webhookSecret)).statusCode,
    ).toBe(200);
    secret = rotated.body.webhookSecret;
  });

  it('refuses a body that is not JSON: it cannot be authenticated', async () => {
    const response = await stack.app.inject({
      method: 'POST',
      url: '/api/v1/hooks/gitlab',
      headers: { 'content-type': 'application/json', 'x-gitlab-token': secret },
      payload: '{nope',
    });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.message).toMatch(/not a JSON object/);
  });

  it(
    'authenticates before validating: an unsigned delivery of any shape is ' + 'a 401, a signed malformed one a 400',
    async () => {
      const malformed = { ...tagPush('8.x-1.0', repo.git('rev-parse', 'HEAD')), ref: 42, after: ['x'] };
      expect((await gitlab(malformed, 'wrong-secret')).statusCode).toBe(401);
      expect((await gitlab(malformed, undefined)).statusCode).toBe(401);
      expect(
        (await github('push', JSON.stringify({ ref: 42, repository: { clone_url: repo.url } }), 'wrong')).statusCode,
      ).toBe(401);
      expect((await github('push', '[1, 2, 3]', 'wrong')).statusCode).toBe(401);
      const signed = await gitlab(malformed, secret);
      expect(signed.statusCode).toBe(400);
      expect(signed.json().error.message).toMatch(/ref/);
    },
  );
});

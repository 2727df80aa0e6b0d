import { client, createRepo, eventually, removeRepos, signUp, startStack, type Stack } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TAG = '8.x-1.0';

describe('git URLs cannot probe the inside of the network', () => {
  let stack: Stack;
  let maintainer: ReturnType<typeof client>;

  beforeAll(async () => {
    stack = await startStack({ GIT_ALLOWED_SOURCES: 'https://gitlab.example.org/group/,https://localhost/,file://' });
    stack.startWorker();
    maintainer = await signUp(stack, 'alice');
  });
  afterAll(async () => {
    await stack.close();
    removeRepos();
  });

  const create = (name: string, gitUrl: string) =>
    maintainer('POST', '/api/v1/projects', { name, title: name, type: 'module', gitUrl });

  it.each([
    [
      'a host that only starts like the allowed one',
      'https://gitlab.example.org.evil.tld/group/x.git',
      'git_url_not_allowed',
    ],
    ['a path that only starts like the allowed one', 'https://gitlab.example.org/groupie/x.git', 'git_url_not_allowed'],
    [
      'an encoded slash climbing out of the allowed path',
      'https://gitlab.example.org/group/..%2f..%2fadmin/x.git',
      'git_url_not_allowed',
    ],
  ])('refuses %s at creation', async (_why, gitUrl, rule) => {
    const response = await create('probe', gitUrl);
    expect(response.status).toBe(422);
    expect(response.body.error.message).toContain(`(rule ${rule})`);
  });

  it('refuses a host that resolves inside the network, in every spelling', async () => {
    const inside = await startStack({ GIT_ALLOWED_SOURCES: 'https://' });
    try {
      const admin = client(inside.app, inside.adminToken);
      for (const [gitUrl, addressClass] of [
        ['https://127.0.0.1/x.git', 'loopback'],
        ['https://2130706433/x.git', 'loopback'],
        ['https://0177.0.0.1/x.git', 'loopback'],
        ['https://10.0.0.5/x.git', 'private'],
        ['https://100.64.1.1/x.git', 'cgnat'],
        ['https://169.254.169.254/latest/meta-data/', 'metadata'],
        ['https://[0:0:0:0:0:ffff:a00:5]/x.git', 'ipv4-mapped'],
        ['https://localhost/x.git', 'loopback'],
      ]) {
        const response = await admin('POST', '/api/v1/projects', {
          name: 'probe',
          title: 'Probe',
          type: 'module',
          gitUrl,
        });
        expect([gitUrl, response.status]).toEqual([gitUrl, 422]);
        expect(response.body.error.message).toContain('(rule address_forbidden)');
        expect(response.body.error.message).toContain(`is a ${addressClass} address`);
      }
      expect((await admin('GET', '/api/v1/projects/probe')).status).toBe(404);
    } finally {
      await inside.close();
    }
  });

  it(
    'checks the address again at fetch time: a URL that leads inside by ' + 'then fails at once, never fetched',
    async () => {
      const repo = await createRepo({
        'rebind.info.yml': 'name: Rebind\ntype: module\ncore_version_requirement: ^10\n',
      });
      repo.tag(TAG);
      expect((await create('rebind', repo.url)).status).toBe(201);
      // As if the host's DNS now answered with a loopback address: the row holds an allowed URL whose host resolves
      // inside.
      await stack.registry.db
        .updateTable('projects')
        .set({ gitUrl: 'https://localhost/rebind.git' })
        .where('name', '=', 'rebind')
        .execute();
      expect((await maintainer('POST', '/api/v1/projects/rebind/releases', { tag: TAG })).status).toBe(202);
      const release = await eventually(
        async () => {
          const { body } = await client(stack.app)('GET', `/api/v1/projects/rebind/releases/${TAG}`);
          return body.status === 'failed' ? body : undefined;
        },
        30_000,
        'the release to fail',
      );
      expect(release.files).toEqual([]);
      expect(release.error).toContain('(rule address_forbidden)');
      expect(release.error).toContain('localhost resolves to ');
      const row = await stack.registry.db
        .selectFrom('releases')
        .select('attempts')
        .where('version', '=', TAG)
        .executeTakeFirstOrThrow();
      expect(row.attempts).toBe(1);
    },
  );

  it('refuses localhost at creation even where the allowlist names it', async () => {
    const response = await create('local', 'https://localhost/local.git');
    expect(response.status).toBe(422);
    expect(response.body.error.message).toContain('(rule address_forbidden)');
  });
});

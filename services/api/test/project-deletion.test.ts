import { client, createRepo, eventually, signUp, startStack, type Stack, type TestRepo } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Api = ReturnType<typeof client>;

describe('deleting a project', () => {
  let stack: Stack;
  let admin: Api;
  let alice: Api;
  let anonymous: Api;
  let repo: TestRepo;

  const statusOf = async (project: string, tag: string) =>
    (await anonymous('GET', `/api/v1/projects/${project}/releases/${tag}`)).body.status as string;
  const release = async (project: string, tag: string, until: 'published' | 'failed') => {
    expect((await alice('POST', `/api/v1/projects/${project}/releases`, { tag })).status).toBe(202);
    await eventually(
      async () => ((await statusOf(project, tag)) === until ? true : undefined),
      60_000,
      `${project} ${tag} ${until}`,
    );
  };
  const changesOf = async (project: string) => {
    const events: any[] = [];
    let since: string | undefined;
    for (;;) {
      const query = new URLSearchParams(since ? { since } : {});
      const page = (await anonymous('GET', `/api/v1/changes?${query}`)).body;
      events.push(...page.events.filter((event: any) => event.project === project));
      since = page.next;
      if (!page.hasMore) return events;
    }
  };

  beforeAll(async () => {
    stack = await startStack();
    stack.startWorker();
    admin = client(stack.app, stack.adminToken);
    alice = await signUp(stack, 'alice');
    anonymous = client(stack.app);
    repo = await createRepo({ 'kept.info.yml': 'name: Kept\ntype: module\ncore_version_requirement: ^10\n' });
    repo.tag('8.x-1.0');
    for (const name of ['kept', 'mistake'])
      await alice('POST', '/api/v1/projects', { name, title: name, type: 'module', gitUrl: repo.url });
  }, 60_000);
  afterAll(() => stack.close());

  it('is for administrators only', async () => {
    expect((await anonymous('DELETE', '/api/v1/projects/mistake')).status).toBe(401);
    const owner = await alice('DELETE', '/api/v1/projects/mistake');
    expect(owner.status).toBe(403);
    expect(owner.body.error.message).toContain('delete projects');
    expect((await admin('DELETE', '/api/v1/projects/nosuch')).status).toBe(404);
  });

  it('refuses a project that published a release, even one unpublished since: lock files hold its archives', async () => {
    await release('kept', '8.x-1.0', 'published');
    expect((await alice('PATCH', '/api/v1/projects/kept/releases/8.x-1.0', { status: 'unpublished' })).status).toBe(
      200,
    );
    const refused = await admin('DELETE', '/api/v1/projects/kept');
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('project_has_releases');
    expect(refused.body.error.message).toContain('8.x-1.0 (published)');
    expect(refused.body.error.message).toContain('mark it unsupported and unpublish its releases instead');
    expect((await anonymous('GET', '/api/v1/projects/kept')).status).toBe(200);
    expect((await anonymous('GET', '/files/projects/kept-8.x-1.0.tar.gz')).status).toBe(200);
    expect((await changesOf('kept')).map((event) => event.type)).not.toContain('project.deleted');
  });

  it(
    'deletes a project with only failed releases: gone from every feed, page and listing at once, ' +
      'project.deleted in the change feed, the name free again',
    async () => {
      await release('mistake', '8.x-9.9', 'failed'); // no such tag: the release fails, nothing is published
      // Every cache that holds the project is filled first; the deletion must evict each.
      const before = {
        feed: await anonymous('GET', '/release-history/mistake/current'),
        list: await anonymous('GET', '/release-history/project-list/all'),
        page: await anonymous('GET', '/project/mistake'),
        search: await anonymous('GET', '/search?q=mistake'),
      };
      expect([before.feed.status, before.list.status, before.page.status]).toEqual([200, 200, 200]);
      expect(before.list.raw.toString()).toContain('<short_name>mistake</short_name>');
      expect(before.search.raw.toString()).toContain('/project/mistake');
      const revision = (await changesOf('mistake')).at(-1).revision;

      expect((await admin('DELETE', '/api/v1/projects/mistake')).status).toBe(204);

      expect((await anonymous('GET', '/api/v1/projects/mistake')).status).toBe(404);
      expect((await anonymous('GET', '/api/v1/projects/mistake/releases/8.x-9.9')).status).toBe(404);
      expect((await anonymous('GET', '/release-history/mistake/current')).status).toBe(404);
      expect((await anonymous('GET', '/release-history/mistake/all')).status).toBe(404);
      expect((await anonymous('GET', '/release-history/project-list/all')).raw.toString()).not.toContain(
        '<short_name>mistake</short_name>',
      );
      expect((await anonymous('GET', '/composer/p2/drupal/mistake.json')).status).toBe(404);
      expect((await anonymous('GET', '/project/mistake')).status).toBe(404);
      expect((await anonymous('GET', '/project/mistake/releases.atom')).status).toBe(404);
      expect((await anonymous('GET', '/search?q=mistake')).raw.toString()).not.toContain('/project/mistake');
      const snapshot = (await anonymous('GET', '/api/v1/snapshot')).body;
      expect(snapshot.projects.map((project: any) => project.name)).not.toContain('mistake');
      const last = (await changesOf('mistake')).at(-1);
      expect([last.type, last.version, last.revision]).toEqual(['project.deleted', null, revision + 1]);

      // Another project may take the name: nothing was ever published under it.
      expect(
        (await alice('POST', '/api/v1/projects', { name: 'mistake', title: 'Again', type: 'module', gitUrl: repo.url }))
          .status,
      ).toBe(201);
      expect((await anonymous('GET', '/release-history/mistake/current')).status).toBe(200);
      expect((await changesOf('mistake')).at(-1).type).toBe('project.updated');
    },
    90_000,
  );
});

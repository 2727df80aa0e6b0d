import { createHash } from 'node:crypto';
import {
  client,
  COMMIT_TIME,
  createRepo,
  eventually,
  removeRepos,
  startStack,
  type Stack,
  type TestRepo,
} from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TAG = '8.x-1.0';
const INFO_YML = 'name: Lifecycle\ntype: module\ncore_version_requirement: ^10 || ^11\n';

interface FileBody {
  name: string;
  size: number;
  md5: string;
  sha1: string;
  sha256: string;
  sha512: string;
}

describe('release lifecycle: failed releases are retried, published ones never change', () => {
  let stack: Stack;
  let alice: ReturnType<typeof client>;
  let bob: ReturnType<typeof client>;
  let anonymous: ReturnType<typeof client>;

  beforeAll(async () => {
    stack = await startStack();
    stack.startWorker();
    const admin = client(stack.app, stack.adminToken);
    alice = client(stack.app, (await admin('POST', '/api/v1/users', { name: 'alice' })).body.token);
    bob = client(stack.app, (await admin('POST', '/api/v1/users', { name: 'bob' })).body.token);
    anonymous = client(stack.app);
  });
  afterAll(async () => {
    await stack.close();
    removeRepos();
  });

  async function createProject(name: string, repo: TestRepo): Promise<void> {
    const created = await alice('POST', '/api/v1/projects', { name, title: name, type: 'module', gitUrl: repo.url });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  }

  /** The release once its packaging finished (published or failed). */
  async function finished(project: string, version = TAG) {
    return eventually(
      async () => {
        const { body } = await anonymous('GET', `/api/v1/projects/${project}/releases/${version}`);
        return body.status === 'failed' || body.status === 'published' ? body : undefined;
      },
      60_000,
      `${project} ${version} to finish`,
    );
  }

  async function attempts(project: string, version = TAG): Promise<number> {
    const row = await stack.registry.db
      .selectFrom('releases')
      .innerJoin('projects', 'projects.id', 'releases.projectId')
      .select('releases.attempts')
      .where('projects.name', '=', project)
      .where('releases.version', '=', version)
      .executeTakeFirstOrThrow();
    return row.attempts;
  }

  async function expectDownloadsMatch(files: FileBody[]): Promise<void> {
    for (const file of files) {
      const download = await anonymous('GET', `/files/projects/${file.name}`);
      expect(download.status, file.name).toBe(200);
      expect(download.raw.length).toBe(file.size);
      for (const algorithm of ['md5', 'sha1', 'sha256', 'sha512'] as const) {
        expect(createHash(algorithm).update(download.raw).digest('hex'), `${file.name} ${algorithm}`).toBe(
          file[algorithm],
        );
      }
    }
  }

  describe('a failed release can be retried', () => {
    let repo: TestRepo;
    const retry = (api: ReturnType<typeof client>, version = TAG) =>
      api('POST', `/api/v1/projects/retried/releases/${version}/retry`);

    beforeAll(async () => {
      repo = await createRepo({ 'retried.info.yml': INFO_YML });
      await createProject('retried', repo);
      // The tag is not pushed yet: the release fails.
      expect((await alice('POST', '/api/v1/projects/retried/releases', { tag: TAG })).status).toBe(202);
      const failed = await finished('retried');
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatch(/rule tag_not_found/);
    });

    it('by maintainers only: anonymous gets 401, another user 403, and nothing is queued', async () => {
      expect((await retry(anonymous)).status).toBe(401);
      const forbidden = await retry(bob);
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.error.code).toBe('forbidden');
      expect((await retry(alice, '8.x-9.9')).status).toBe(404);
      expect((await anonymous('GET', `/api/v1/projects/retried/releases/${TAG}`)).body.status).toBe('failed');
      expect(await attempts('retried')).toBe(1);
    });

    it('packages again: still refused while the cause is there, counted as a second attempt', async () => {
      const queued = await retry(alice);
      expect(queued.status).toBe(202);
      expect(queued.body).toMatchObject({ version: TAG, status: 'queued', error: null });
      const again = await finished('retried');
      expect(again.status).toBe('failed');
      expect(again.error).toMatch(/rule tag_not_found/);
      expect(await attempts('retried')).toBe(2);
    });

    it('publishes once the cause is fixed', async () => {
      repo.tag(TAG);
      expect((await retry(alice)).status).toBe(202);
      const release = await finished('retried');
      expect(release.status, release.error).toBe('published');
      expect(release.error).toBeNull();
      expect(release.commit).toBe(repo.git('rev-parse', `${TAG}^{commit}`));
      expect(release.files.map((file: FileBody) => file.name).sort()).toEqual([
        'retried-8.x-1.0.tar.gz',
        'retried-8.x-1.0.zip',
      ]);
      await expectDownloadsMatch(release.files);
      expect(await attempts('retried')).toBe(3);
    });
  });

  describe('a published release is immutable', () => {
    let repo: TestRepo;
    let original: { commit: string; files: FileBody[] };
    let originalKeys: string[];

    beforeAll(async () => {
      repo = await createRepo({ 'stable.info.yml': INFO_YML, 'src/Stable.php': '<?php\n// First.\n' }, COMMIT_TIME);
      repo.tag(TAG);
      await createProject('stable', repo);
      expect((await alice('POST', '/api/v1/projects/stable/releases', { tag: TAG })).status).toBe(202);
      original = await finished('stable');
      expect(original).toMatchObject({ status: 'published' });
      originalKeys = (await stack.registry.storage.list('archives/stable/')).sort();
      expect(originalKeys).toHaveLength(2);
    });

    /** The release, its bucket objects and its attempts are exactly what was first published. */
    async function expectUnchanged(): Promise<void> {
      const now = (await anonymous('GET', `/api/v1/projects/stable/releases/${TAG}`)).body;
      expect(now).toMatchObject({ status: 'published', commit: original.commit, error: null });
      expect(now.files).toEqual(original.files);
      await expectDownloadsMatch(now.files);
      expect((await stack.registry.storage.list('archives/stable/')).sort()).toEqual(originalKeys);
      expect(await attempts('stable')).toBe(1);
    }

    it('refuses a retry or a second request of the published version with 409', async () => {
      const retried = await alice('POST', `/api/v1/projects/stable/releases/${TAG}/retry`);
      expect(retried.status).toBe(409);
      expect(retried.body.error.code).toBe('conflict');
      expect((await alice('POST', '/api/v1/projects/stable/releases', { tag: TAG })).status).toBe(409);
      await expectUnchanged();
    });

    it('ignores the same version re-tagged to another commit', async () => {
      const moved = repo.commit(
        { 'stable.info.yml': INFO_YML, 'src/Stable.php': '<?php\n// Rewritten history.\n' },
        COMMIT_TIME + 3600,
      );
      repo.git('tag', '-f', TAG, moved);
      expect(moved).not.toBe(original.commit);

      expect((await alice('POST', '/api/v1/projects/stable/releases', { tag: TAG })).status).toBe(409);
      expect((await alice('POST', `/api/v1/projects/stable/releases/${TAG}/retry`)).status).toBe(409);
      // Had anything been queued, the worker would have claimed it by now.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await stack.registry.queue.queue.getJobCounts('waiting', 'active', 'delayed')).toEqual({
        waiting: 0,
        active: 0,
        delayed: 0,
      });
      await expectUnchanged();
    });
  });
});

import { Readable } from 'node:stream';
import { keys } from '@packhouse/storage';
import { sweepOrphans } from '@packhouse/registry';
import { createRepo, eventually, signUp, type Stack, startStack } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('the orphan sweeper', () => {
  let stack: Stack;
  let alice: Awaited<ReturnType<typeof signUp>>;

  const put = (key: string) =>
    stack.registry.storage.upload(key, key.split('/').pop()!, Readable.from([Buffer.from('left behind')]));

  beforeAll(async () => {
    stack = await startStack();
    alice = await signUp(stack, 'alice');
    const repo = await createRepo({ 'token.info.yml': 'name: Token\ntype: module\ncore_version_requirement: ^10\n' });
    repo.tag('1.0.0');
    repo.tag('1.0.1');
    await alice('POST', '/api/v1/projects', { name: 'token', title: 'Token', type: 'module', gitUrl: repo.url });
  });
  afterAll(() => stack.close());

  it(
    'deletes only archive objects no release file names, of releases no ' + 'longer being built, once old enough',
    async () => {
      const worker = stack.startWorker();
      await alice('POST', '/api/v1/projects/token/releases', { tag: '1.0.0' });
      await eventually(
        async () => {
          const { body } = await alice('GET', '/api/v1/projects/token/releases/1.0.0');
          return body.status === 'published' ? body : undefined;
        },
        60_000,
        '1.0.0 to publish',
      );
      await worker.close();
      // 1.0.1 is requested with no worker running: it stays queued, an attempt may be uploading.
      expect((await alice('POST', '/api/v1/projects/token/releases', { tag: '1.0.1' })).status).toBe(202);

      const crashed = keys.archive('token', '1.0.0', keys.newBuildId(), 'token-1.0.0.tar.gz');
      const unknownProject = keys.archive('gone', '2.0.0', keys.newBuildId(), 'gone-2.0.0.zip');
      const inFlight = keys.archive('token', '1.0.1', keys.newBuildId(), 'token-1.0.1.tar.gz');
      const foreign = 'archives/not-an-archive-key';
      for (const key of [crashed, unknownProject, inFlight, foreign]) await put(key);
      const published = (await stack.registry.db.selectFrom('releaseFiles').select('storageKey').execute()).map(
        (row) => row.storageKey,
      );
      expect(published).toHaveLength(2);

      // Younger than the age: nothing goes.
      expect(await sweepOrphans(stack.registry, 3_600_000)).toBe(0);
      expect(await sweepOrphans(stack.registry, 0)).toBe(2);
      expect((await stack.registry.storage.list('archives/')).sort()).toEqual([...published, inFlight, foreign].sort());
      // Published bytes are untouched: still downloadable.
      for (const key of published) expect(await stack.registry.storage.get(key)).toBeDefined();

      // Once 1.0.1 is finished, its leftover goes too.
      await stack.registry.db
        .updateTable('releases')
        .set({ status: 'failed', error: 'given up' })
        .where('version', '=', '1.0.1')
        .execute();
      expect(await sweepOrphans(stack.registry, 0)).toBe(1);
      expect((await stack.registry.storage.list('archives/')).sort()).toEqual([...published, foreign].sort());
    },
  );
});

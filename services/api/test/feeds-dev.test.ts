import { createHash } from 'node:crypto';
import { client, createRepo, eventually, startStack, type Stack, type TestRepo } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLikeDrupal } from '@packhouse/testing/update-status';

const FIRST = 1_764_288_000;
const SECOND = FIRST + 3_600;
const FEED = '/release-history/pathauto/current';

describe('a dev release in the feed follows its newest build', () => {
  let stack: Stack;
  let repo: TestRepo;
  let maintainer: ReturnType<typeof client>;
  let anonymous: ReturnType<typeof client>;

  const builds = (count: number) =>
    eventually(
      async () => {
        const body = (await anonymous('GET', '/api/v1/projects/pathauto/releases/8.x-1.x-dev')).body;
        const published = body.builds?.filter((build: { status: string }) => build.status === 'published') ?? [];
        return published.length === count ? body : undefined;
      },
      60_000,
      `${count} published builds`,
    );
  const devRelease = async () =>
    readLikeDrupal((await anonymous('GET', FEED)).raw.toString('utf8')).releases.get('8.x-1.x-dev')!;

  beforeAll(async () => {
    stack = await startStack();
    stack.startWorker();
    maintainer = client(
      stack.app,
      (await client(stack.app, stack.adminToken)('POST', '/api/v1/users', { name: 'alice' })).body.token,
    );
    anonymous = client(stack.app);
    repo = await createRepo();
    repo.git('checkout', '-q', '-b', '8.x-1.x');
    repo.commit({ 'pathauto.info.yml': 'name: Pathauto\ntype: module\ncore_version_requirement: ^10\n' }, FIRST);
    await maintainer('POST', '/api/v1/projects', {
      name: 'pathauto',
      title: 'Pathauto',
      type: 'module',
      gitUrl: repo.url,
    });
    await maintainer('PUT', '/api/v1/projects/pathauto/supported-branches', ['8.x-1.']);
  }, 60_000);
  afterAll(() => stack.close());

  it(
    'lists the current build: its files, their md5, and the commit time ' + 'Drupal compares with the datestamp',
    async () => {
      expect((await maintainer('POST', '/api/v1/projects/pathauto/branches', { branch: '8.x-1.x' })).status).toBe(202);
      const body = await builds(1);
      const dev = await devRelease();
      const tarball = body.files.find((file: { archiveType: string }) => file.archiveType === 'tar.gz');
      expect(dev.fields).toMatchObject({
        version: '8.x-1.x-dev',
        tag: '8.x-1.x',
        version_extra: 'dev',
        status: 'published',
        date: String(FIRST),
        download_link: tarball.url,
        mdhash: tarball.md5,
        core_compatibility: '^10',
      });
      expect(dev.terms['Release type'] ?? []).not.toContain('Unsupported');
    },
  );

  it('moves to a new build in the first response after it is published, listing that build alone', async () => {
    await anonymous('GET', FEED);
    expect((await anonymous('GET', FEED)).headers['x-packhouse-cache']).toBe('hit');
    repo.commit(
      { 'pathauto.info.yml': 'name: Pathauto\ntype: module\ncore_version_requirement: ^10 || ^11\n' },
      SECOND,
    );
    expect((await maintainer('POST', '/api/v1/projects/pathauto/branches/8.x-1.x/build')).status).toBe(202);
    const body = await builds(2);

    const response = await anonymous('GET', FEED);
    const xml = response.raw.toString('utf8');
    const dev = readLikeDrupal(xml).releases.get('8.x-1.x-dev')!;
    const head = repo.git('rev-parse', 'HEAD').slice(0, 12);
    expect(dev.fields.date).toBe(String(SECOND));
    expect(dev.fields.core_compatibility).toBe('^10 || ^11');
    expect(dev.fields.download_link).toBe(`http://packhouse.test/files/projects/pathauto-8.x-1.x-dev-${head}.tar.gz`);
    expect(xml.match(/<file>/g)).toHaveLength(2);
    const download = await anonymous('GET', new URL(dev.fields.download_link!).pathname);
    expect(createHash('md5').update(download.raw).digest('hex')).toBe(dev.fields.mdhash);
    expect(body.files.map((file: { md5: string }) => file.md5)).toContain(dev.fields.mdhash);
  }, 90_000);
});

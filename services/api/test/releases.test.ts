import { createHash } from 'node:crypto';
import {
  client,
  createRepo,
  eventually,
  readTarGz,
  readZip,
  signUp,
  type Stack,
  startStack,
  type TestRepo,
} from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const COMMIT_TIME = 1_764_288_000; // 2025-11-28T00:00:00Z
const INFO_YML = 'name: Pathauto\ntype: module\ncore_version_requirement: ^10 || ^11\nversion: VERSION\n';
const INFO_7 = 'name = Pathauto legacy\ncore = 7.x\n';

function digest(algorithm: string, bytes: Buffer): string {
  return createHash(algorithm).update(bytes).digest('hex');
}

async function published(api: ReturnType<typeof client>, project: string, version: string) {
  return eventually(
    async () => {
      const { body } = await api('GET', `/api/v1/projects/${project}/releases/${version}`);
      if (body.status === 'failed') throw new Error(`release failed: ${body.error}`);
      return body.status === 'published' ? body : undefined;
    },
    60_000,
    `${project} ${version} to publish`,
  );
}

describe('a tag becomes published, downloadable, checksummed archives', () => {
  let stack: Stack;
  let repo: TestRepo;
  let maintainer: ReturnType<typeof client>;
  let anonymous: ReturnType<typeof client>;

  beforeAll(async () => {
    stack = await startStack();
    stack.startWorker();
    maintainer = await signUp(stack, 'alice');
    anonymous = client(stack.app);
    repo = await createRepo(
      {
        'pathauto.info.yml': INFO_YML,
        'legacy/pathauto_legacy.info': INFO_7,
        'src/Plugin.php': '<?php\n// Plugin.\n',
        'scripts/build.sh': { content: '#!/bin/sh\necho built\n', executable: true },
        'README.md': '# Pathauto\n',
      },
      COMMIT_TIME,
    );
    repo.tag('8.x-1.2');
    await maintainer('POST', '/api/v1/projects', {
      name: 'pathauto',
      title: 'Pathauto',
      type: 'module',
      gitUrl: repo.url,
    });
  });
  afterAll(() => stack.close());

  it('publishes both archives whose downloaded bytes match every published hash', async () => {
    const queued = await maintainer('POST', '/api/v1/projects/pathauto/releases', {
      tag: '8.x-1.2',
      releaseTypes: ['feature'],
    });
    expect(queued.status).toBe(202);
    const release = await published(anonymous, 'pathauto', '8.x-1.2');

    expect(release.commit).toBe(repo.git('rev-parse', '8.x-1.2^{commit}'));
    expect(release.publishedAt).not.toBeNull();
    expect(release.files.map((file: { name: string }) => file.name).sort()).toEqual([
      'pathauto-8.x-1.2.tar.gz',
      'pathauto-8.x-1.2.zip',
    ]);
    for (const file of release.files) {
      expect(file.url).toBe(`http://packhouse.test/files/projects/${file.name}`);
      const download = await anonymous('GET', `/files/projects/${file.name}`);
      expect(download.status).toBe(200);
      expect(download.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(download.headers.etag).toBe(`"${file.sha256}"`);
      expect(download.raw.length).toBe(file.size);
      expect(digest('md5', download.raw)).toBe(file.md5);
      expect(digest('sha1', download.raw)).toBe(file.sha1);
      expect(digest('sha256', download.raw)).toBe(file.sha256);
      expect(digest('sha512', download.raw)).toBe(file.sha512);

      const head = await anonymous('HEAD', `/files/projects/${file.name}`);
      expect(head.status).toBe(200);
      expect(head.headers['content-length']).toBe(String(file.size));
      const cached = await anonymous('GET', `/files/projects/${file.name}`, undefined, {
        'if-none-match': `"${file.sha256}"`,
      });
      expect(cached.status).toBe(304);
    }

    const project = await anonymous('GET', '/api/v1/projects/pathauto');
    expect(project.body.releases.map((r: { version: string }) => r.version)).toEqual(['8.x-1.2']);
    expect(project.body.releases[0].files).toHaveLength(2);
  });

  it('injects version information and keeps the executable bit, in the tarball and the zip', async () => {
    const tarball = await readTarGz((await anonymous('GET', '/files/projects/pathauto-8.x-1.2.tar.gz')).raw);
    const zip = await readZip((await anonymous('GET', '/files/projects/pathauto-8.x-1.2.zip')).raw);
    for (const entries of [tarball, zip]) {
      const byName = new Map(entries.map((entry) => [entry.name, entry]));
      expect([...byName.keys()].every((name) => name.startsWith('pathauto/'))).toBe(true);
      const infoYml = byName.get('pathauto/pathauto.info.yml')!.content.toString();
      expect(infoYml).toBe(
        'name: Pathauto\ntype: module\ncore_version_requirement: ^10 || ^11\n# version: VERSION\n' +
          "\n# Information added by Packhouse packaging on 2025-11-28\nversion: '8.x-1.2'\nproject: 'pathauto'\ndatestamp: 1764288000\n",
      );
      const info = byName.get('pathauto/legacy/pathauto_legacy.info')!.content.toString();
      expect(info).toContain(
        '\n; Information added by Packhouse packaging on 2025-11-28\nversion = "8.x-1.2"\ncore = "8.x"\nproject = "pathauto"\ndatestamp = "1764288000"\n',
      );
      expect(byName.get('pathauto/scripts/build.sh')!.mode & 0o777).toBe(0o755);
      expect(byName.get('pathauto/README.md')!.mode & 0o777).toBe(0o644);
      const names = entries.map((entry) => entry.name);
      expect(names).toEqual([...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    }
    for (const entry of tarball) {
      expect(entry.mtime).toBe(COMMIT_TIME);
      expect([entry.uid, entry.gid, entry.uname, entry.gname]).toEqual([0, 0, '', '']);
    }
  });

  it('packages the same release twice from scratch into identical bytes', async () => {
    const first = (await anonymous('GET', '/api/v1/projects/pathauto/releases/8.x-1.2')).body;
    const other = await startStack();
    try {
      other.startWorker();
      const api = await signUp(other, 'alice');
      await api('POST', '/api/v1/projects', { name: 'pathauto', title: 'Pathauto', type: 'module', gitUrl: repo.url });
      await api('POST', '/api/v1/projects/pathauto/releases', { tag: '8.x-1.2' });
      const second = await published(api, 'pathauto', '8.x-1.2');
      const sums = (release: { files: { name: string; sha256: string }[] }) =>
        Object.fromEntries(release.files.map((file) => [file.name, file.sha256]));
      expect(sums(second)).toEqual(sums(first));
    } finally {
      await other.close();
    }
  });

  it('keeps exactly the published objects in the bucket, under keys of their own', async () => {
    const keys = await stack.registry.storage.list();
    const rows = await stack.registry.db.selectFrom('releaseFiles').select('storageKey').execute();
    expect(keys.sort()).toEqual(rows.map((row) => row.storageKey).sort());
    for (const key of keys)
      expect(key).toMatch(/^archives\/pathauto\/8\.x-1\.2\/[0-9a-f-]{36}\/pathauto-8\.x-1\.2\.(tar\.gz|zip)$/);
  });

  it('publishes an annotated tag of a core project under {project}-{version}/', async () => {
    const core = await createRepo(
      { 'core/core.info.yml': 'name: Core\ntype: core\n', 'index.php': '<?php\n' },
      COMMIT_TIME + 60,
    );
    core.tag('10.2.1', { annotated: true });
    // Core is for administrators only (a maintainer's attempt is refused in accounts.test.ts).
    const admin = client(stack.app, stack.adminToken);
    expect(
      (
        await admin('POST', '/api/v1/projects', {
          name: 'drupal',
          title: 'Drupal core',
          type: 'core',
          gitUrl: core.url,
        })
      ).status,
    ).toBe(201);
    await admin('POST', '/api/v1/projects/drupal/releases', { tag: '10.2.1' });
    const release = await published(anonymous, 'drupal', '10.2.1');
    expect(release.commit).toBe(core.git('rev-parse', '10.2.1^{commit}'));
    const entries = await readTarGz((await anonymous('GET', '/files/projects/drupal-10.2.1.tar.gz')).raw);
    expect(entries.every((entry) => entry.name.startsWith('drupal-10.2.1/'))).toBe(true);
    const info = entries.find((entry) => entry.name === 'drupal-10.2.1/core/core.info.yml')!.content.toString();
    expect(info).toContain("version: '10.2.1'\nproject: 'drupal'\n");
  });
});

describe('work survives the worker and Redis', () => {
  let stack: Stack;
  let repo: TestRepo;
  let maintainer: ReturnType<typeof client>;

  beforeAll(async () => {
    stack = await startStack();
    maintainer = await signUp(stack, 'alice');
    repo = await createRepo({ 'token.info.yml': 'name: Token\ntype: module\n' }, COMMIT_TIME);
    for (const tag of ['8.x-1.0', '8.x-1.1', '8.x-1.2']) repo.tag(tag);
    await maintainer('POST', '/api/v1/projects', { name: 'token', title: 'Token', type: 'module', gitUrl: repo.url });
  });
  afterAll(() => stack.close());

  it('publishes a release queued before any worker was running', async () => {
    await maintainer('POST', '/api/v1/projects/token/releases', { tag: '8.x-1.0' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await maintainer('GET', '/api/v1/projects/token/releases/8.x-1.0')).body.status).toBe('queued');
    const worker = stack.startWorker();
    await published(maintainer, 'token', '8.x-1.0');
    await worker.close();
  });

  it('re-enqueues from Postgres when Redis lost every job', async () => {
    await maintainer('POST', '/api/v1/projects/token/releases', { tag: '8.x-1.1' });
    await stack.registry.queue.queue.obliterate({ force: true });
    expect(await stack.registry.queue.queue.getJobCounts()).toMatchObject({ waiting: 0, active: 0 });
    const { reconcile } = await import('@packhouse/registry');
    expect(await reconcile(stack.registry, 0)).toBe(1);
    stack.startWorker();
    await published(maintainer, 'token', '8.x-1.1');
  });

  it('publishes once when two workers race on one release', async () => {
    stack.startWorker();
    const { buildRelease } = await import('@packhouse/registry');
    const queued = await maintainer('POST', '/api/v1/projects/token/releases', { tag: '8.x-1.2' });
    const release = await stack.registry.db
      .selectFrom('releases')
      .select('id')
      .where('version', '=', queued.body.version)
      .executeTakeFirstOrThrow();
    // Two more builders on the same release, beside the queued job.
    const outcomes = await Promise.all([
      buildRelease(stack.registry, release.id),
      buildRelease(stack.registry, release.id),
    ]);
    await published(maintainer, 'token', '8.x-1.2');
    await eventually(
      async () => {
        const counts = await stack.registry.queue.queue.getJobCounts('active', 'waiting', 'delayed');
        return (counts.active ?? 0) + (counts.waiting ?? 0) + (counts.delayed ?? 0) === 0 ? true : undefined;
      },
      30_000,
      'the queued job to finish',
    );
    expect(outcomes.filter((outcome) => outcome === 'published').length).toBeLessThanOrEqual(1);
    const files = await stack.registry.db
      .selectFrom('releaseFiles')
      .selectAll()
      .where('releaseId', '=', release.id)
      .execute();
    expect(files).toHaveLength(2);
    const changes = await stack.registry.db
      .selectFrom('changes')
      .selectAll()
      .where('version', '=', '8.x-1.2')
      .execute();
    expect(changes.map((change) => [change.type, change.revision])).toEqual([['release.published', 1]]);
    // The losers removed what they uploaded: the bucket holds only what is published.
    const keys = (await stack.registry.storage.list()).filter((key) => key.includes('/8.x-1.2/'));
    expect(keys.sort()).toEqual(files.map((file) => file.storageKey).sort());
  });
});

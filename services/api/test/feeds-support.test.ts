import { client, startStack, type Stack } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { child, type DrupalProject, parseXml, readLikeDrupal } from '@packhouse/testing/update-status';
import { seedRelease } from './feed-seed.ts';

type Api = ReturnType<typeof client>;
const T = 1_764_288_000;
const VERSIONS = [
  '7.x-1.4',
  '7.x-2.0',
  '7.x-3.0-beta1',
  '7.x-3.x-dev',
  '8.x-1.2',
  '2.0.0',
  '2.0.1-rc1',
  '2.1.0',
  '2.1.x-dev',
  '3.0.0-alpha2',
  '3.x-dev',
];

describe('what maintainers control, and what every feed then says', () => {
  let stack: Stack;
  let alice: Api;
  let bob: Api;
  let admin: Api;
  let anonymous: Api;

  const feed = async (selector: string): Promise<DrupalProject> => {
    const response = await anonymous('GET', `/release-history/webform/${selector}`);
    expect(response.status).toBe(200);
    return readLikeDrupal(response.raw.toString('utf8'));
  };
  const terms = (project: DrupalProject, version: string) => project.releases.get(version)?.terms['Release type'] ?? [];
  const unsupported = (project: DrupalProject) =>
    [...project.releases].filter(([v]) => terms(project, v).includes('Unsupported')).map(([v]) => v);
  const security = async (version: string) => {
    const root = parseXml((await anonymous('GET', '/release-history/webform/all')).raw.toString('utf8'));
    const release = child(root, 'releases')!.children.find((r) => child(r, 'version')!.text === version)!;
    const element = child(release, 'security')!;
    return { covered: element.attributes.covered, text: element.text };
  };

  beforeAll(async () => {
    stack = await startStack();
    admin = client(stack.app, stack.adminToken);
    anonymous = client(stack.app);
    alice = client(stack.app, (await admin('POST', '/api/v1/users', { name: 'alice' })).body.token);
    bob = client(stack.app, (await admin('POST', '/api/v1/users', { name: 'bob' })).body.token);
    await alice('POST', '/api/v1/projects', {
      name: 'webform',
      title: 'Webform',
      type: 'module',
      gitUrl: 'file:///srv/webform',
    });
    for (const [i, version] of VERSIONS.entries())
      await seedRelease(stack.registry, 'webform', { version, commitTime: T + i * 60 });
  });
  afterAll(() => stack.close());

  it('lets only maintainers and administrators change support, and checks what they send', async () => {
    expect((await anonymous('PUT', '/api/v1/projects/webform/supported-branches', ['2.0.'])).status).toBe(401);
    expect((await bob('PUT', '/api/v1/projects/webform/supported-branches', ['2.0.'])).status).toBe(403);
    expect((await bob('PATCH', '/api/v1/projects/webform', { securityCoverage: true })).body.error.code).toBe(
      'forbidden',
    );
    expect((await bob('PATCH', '/api/v1/projects/webform/releases/2.0.0', { insecure: true })).status).toBe(403);
    expect((await admin('PATCH', '/api/v1/projects/webform', { status: 'published' })).status).toBe(200);
    expect((await alice('PUT', '/api/v1/projects/nope/supported-branches', [])).status).toBe(404);
    expect((await alice('PATCH', '/api/v1/projects/webform/releases/9.9.9', { insecure: true })).status).toBe(404);

    for (const body of [['2.0'], ['8.x-1'], { branches: [] }, [1], ['2.0.x']]) {
      expect(
        (await alice('PUT', '/api/v1/projects/webform/supported-branches', body)).status,
        JSON.stringify(body),
      ).toBe(400);
    }
    for (const branch of ['1.2.3.', '8.x-.', '01.0.', '8.x-1.0.']) {
      const refused = await alice('PUT', '/api/v1/projects/webform/supported-branches', [branch]);
      expect(refused.status, branch).toBe(422);
      expect(refused.body.error.message).toContain(`"${branch}" is not a branch`);
    }
    expect((await alice('PATCH', '/api/v1/projects/webform', {})).status).toBe(400);
    expect((await alice('PATCH', '/api/v1/projects/webform', { status: 'archived' })).status).toBe(400);
    expect((await alice('PATCH', '/api/v1/projects/webform/releases/2.0.0', { status: 'queued' })).status).toBe(400);
    expect((await alice('PATCH', '/api/v1/projects/webform/releases/2.0.0', { releaseTypes: ['hotfix'] })).status).toBe(
      400,
    );
  });

  it(
    'prints the Drupal 8+ supported branches in the current feed, ' +
      'deduplicated, oldest first; until chosen, every branch with a release',
    async () => {
      const set = await alice('PUT', '/api/v1/projects/webform/supported-branches', [
        '7.x-1.',
        '7.x-3.',
        '8.x-1.',
        '2.0.',
        '3.',
        '2.0.',
      ]);
      expect(set.status).toBe(200);
      expect(set.body).toEqual({
        name: 'webform',
        status: 'published',
        securityCoverage: false,
        supportedBranches: ['7.x-1.', '7.x-3.', '8.x-1.', '2.0.', '3.'],
      });
      expect((await anonymous('GET', '/api/v1/projects/webform/support')).body.supportedBranches).toEqual(
        set.body.supportedBranches,
      );
      expect((await feed('current')).fields.supported_branches).toBe('8.x-1.,2.0.,3.');

      await alice('PUT', '/api/v1/projects/webform/supported-branches', []);
      expect((await feed('current')).fields.supported_branches).toBe('8.x-1.,2.0.,2.1.,3.0.,3.');
      expect(unsupported(await feed('all'))).toEqual([]);
      expect((await feed('7.x')).fields).toMatchObject({
        recommended_major: '3',
        supported_majors: '1,2,3',
        default_major: '1',
      });
    },
  );

  it(
    'derives the legacy majors: recommended the highest, default the ' + 'lowest, none when that core has no branch',
    async () => {
      await alice('PUT', '/api/v1/projects/webform/supported-branches', ['7.x-3.', '7.x-1.', '8.x-1.', '2.0.']);
      expect((await feed('7.x')).fields).toMatchObject({
        api_version: '7.x',
        recommended_major: '3',
        supported_majors: '1,3',
        default_major: '1',
      });
      expect((await feed('8.x')).fields).toMatchObject({
        api_version: '8.x',
        recommended_major: '1',
        supported_majors: '1',
        default_major: '1',
      });
      const d6 = (await feed('6.x')).fields;
      expect(d6.api_version).toBe('6.x');
      for (const name of ['recommended_major', 'supported_majors', 'default_major', 'supported_branches'])
        expect(d6).not.toHaveProperty(name);
      expect((await feed('current')).fields).not.toHaveProperty('api_version');
    },
  );

  it('marks every release outside the supported branches Unsupported, dev releases included', async () => {
    await alice('PUT', '/api/v1/projects/webform/supported-branches', ['7.x-3.', '8.x-1.', '2.0.']);
    expect(unsupported(await feed('all'))).toEqual([
      '3.0.0-alpha2',
      '3.x-dev',
      '2.1.0',
      '2.1.x-dev',
      '7.x-2.0',
      '7.x-1.4',
    ]);
    await alice('PUT', '/api/v1/projects/webform/supported-branches', ['3.', '2.1.', '7.x-2.']);
    // Branches match by prefix, as in Drupal: `3.` supports `3.x-dev` and `3.0.0-alpha2` alike.
    expect(unsupported(await feed('all'))).toEqual([
      '2.0.1-rc1',
      '2.0.0',
      '8.x-1.2',
      '7.x-3.0-beta1',
      '7.x-3.x-dev',
      '7.x-1.4',
    ]);
  });

  it('prints release types and Insecure as the maintainer sets them', async () => {
    const patched = await alice('PATCH', '/api/v1/projects/webform/releases/2.1.0', {
      releaseTypes: ['feature', 'security', 'bugfix'],
      insecure: true,
    });
    expect(patched.body).toEqual({
      project: 'webform',
      version: '2.1.0',
      status: 'published',
      insecure: true,
      releaseTypes: ['feature', 'security', 'bugfix'],
    });
    expect(terms(await feed('current'), '2.1.0')).toEqual(['Security update', 'Bug fixes', 'New features', 'Insecure']);
    await alice('PATCH', '/api/v1/projects/webform/releases/2.1.0', { insecure: false, releaseTypes: ['bugfix'] });
    expect(terms(await feed('current'), '2.1.0')).toEqual(['Bug fixes']);
    await alice('PATCH', '/api/v1/projects/webform/releases/2.1.0', { releaseTypes: [] });
    expect(terms(await feed('current'), '2.1.0')).toEqual([]);
  });

  it('unpublishes and republishes a release: still listed, with the status Drupal expects', async () => {
    expect(
      (await alice('PATCH', '/api/v1/projects/webform/releases/2.0.0', { status: 'unpublished' })).body.status,
    ).toBe('unpublished');
    expect((await feed('current')).releases.get('2.0.0')?.fields.status).toBe('unpublished');
    // The build status is untouched: the archive stays downloadable and the release API still says published.
    expect((await anonymous('GET', '/api/v1/projects/webform/releases/2.0.0')).body.status).toBe('published');
    await alice('PATCH', '/api/v1/projects/webform/releases/2.0.0', { status: 'published' });
    expect((await feed('current')).releases.get('2.0.0')?.fields.status).toBe('published');
  });

  it.each(['unsupported', 'insecure', 'revoked', 'unpublished', 'published'])(
    'prints project_status %s',
    async (status) => {
      const patched = await alice('PATCH', '/api/v1/projects/webform', { status });
      expect(patched.body.status).toBe(status);
      expect((await feed('current')).fields.project_status).toBe(status);
      expect((await anonymous('GET', '/api/v1/projects/webform')).body.status).toBe(status);
    },
  );

  it('covers stable releases once the project opts into security coverage, and says why not otherwise', async () => {
    expect(await security('2.1.0')).toEqual({
      covered: undefined,
      text: 'Project has not opted into security advisory coverage!',
    });
    expect((await alice('PATCH', '/api/v1/projects/webform', { securityCoverage: true })).body.securityCoverage).toBe(
      true,
    );
    expect(await security('2.1.0')).toEqual({ covered: '1', text: "Covered by Drupal's security advisory policy" });
    expect(await security('7.x-1.4')).toEqual({ covered: '1', text: "Covered by Drupal's security advisory policy" });
    expect(await security('2.0.1-rc1')).toEqual({
      covered: undefined,
      text: 'RC releases are not covered by Drupal security advisories.',
    });
    expect(await security('7.x-3.0-beta1')).toEqual({
      covered: undefined,
      text: 'Beta releases are not covered by Drupal security advisories.',
    });
    expect(await security('3.0.0-alpha2')).toEqual({
      covered: undefined,
      text: 'Alpha releases are not covered by Drupal security advisories.',
    });
    expect(await security('3.x-dev')).toEqual({
      covered: undefined,
      text: 'Dev releases are not covered by Drupal security advisories.',
    });
    await alice('PATCH', '/api/v1/projects/webform', { securityCoverage: false });
    expect(await security('2.1.0')).toEqual({
      covered: undefined,
      text: 'Project has not opted into security advisory coverage!',
    });
  });

  it('leaves out releases that are not built, and lists them once they are', async () => {
    await seedRelease(stack.registry, 'webform', { version: '2.1.1', commitTime: T + 9000, status: 'queued' });
    await seedRelease(stack.registry, 'webform', { version: '2.1.2', commitTime: T + 9100, status: 'failed' });
    await seedRelease(stack.registry, 'webform', { version: '2.1.3', commitTime: T + 9200, status: 'building' });
    const versions = [...(await feed('all')).releases.keys()];
    for (const version of ['2.1.1', '2.1.2', '2.1.3']) expect(versions).not.toContain(version);
    expect(versions).toHaveLength(VERSIONS.length);
  });
});

import { expand } from '@packhouse/composer';
import { buildApp } from '@packhouse/api';
import {
  client,
  createRepo,
  eventually,
  releasePublished,
  signUp,
  startStack,
  type Stack,
  type TestRepo,
} from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TIME = 1_764_288_000;

type Client = ReturnType<typeof client>;

/** The expanded versions of a p2 answer, by Composer version. */
function versionsOf(body: any, name: string): Map<string, any> {
  expect(body.minified).toBe('composer/2.0');
  return new Map(expand(body.packages[name]).map((version: any) => [version.version, version]));
}

describe('the Composer repository', () => {
  let stack: Stack;
  let alice: Client;
  let anonymous: Client;
  let token: TestRepo;
  let core: TestRepo;

  const published = (project: string, version: string) => releasePublished(anonymous, project, version);

  beforeAll(async () => {
    stack = await startStack();
    stack.startWorker();
    alice = await signUp(stack, 'alice');
    anonymous = client(stack.app);

    core = await createRepo({ 'core/drupal.info.yml': 'name: Drupal\n' }, TIME);
    core.tag('10.3.0');
    // Core is for administrators only.
    const admin = client(stack.app, stack.adminToken);
    await admin('POST', '/api/v1/projects', { name: 'drupal', title: 'Drupal core', type: 'core', gitUrl: core.url });
    await admin('POST', '/api/v1/projects/drupal/releases', { tag: '10.3.0' });

    const files = {
      'token.info.yml':
        "name: Token\ntype: module\ncore_version_requirement: '^10 || ^11'\ndependencies:\n  - drupal:node\n  - ctools:ctools\n  - entity_api:entity_api\n",
      'composer.json': JSON.stringify({
        name: 'drupal/token',
        require: { php: '>=8.1', 'drupal/search_api': '^1.30' },
      }),
      'modules/token_ui/token_ui.info.yml': 'name: Token UI\n',
    };
    token = await createRepo(files, TIME);
    token.tag('8.x-1.2');
    token.commit({ ...files, 'README.md': 'second\n' }, TIME + 100);
    token.tag('8.x-1.3');
    await alice('POST', '/api/v1/projects', { name: 'token', title: 'Token', type: 'module', gitUrl: token.url });
    await alice('POST', '/api/v1/projects/token/releases', { tag: '8.x-1.2' });
    await alice('POST', '/api/v1/projects/token/releases', { tag: '8.x-1.3' });
    await Promise.all([published('drupal', '10.3.0'), published('token', '8.x-1.2'), published('token', '8.x-1.3')]);
  }, 120_000);
  afterAll(() => stack?.close());

  it('announces the v2 metadata URL, drupal/* only, the advisories API and notify-batch', async () => {
    const root = await anonymous('GET', '/composer/packages.json');
    expect(root.status).toBe(200);
    expect(root.body).toEqual({
      packages: [],
      'metadata-url': 'http://packhouse.test/composer/p2/%package%.json',
      'available-package-patterns': ['drupal/*'],
      'notify-batch': 'http://packhouse.test/composer/downloads',
      'security-advisories': { metadata: true, 'api-url': 'http://packhouse.test/composer/api/security-advisories' },
      search: 'http://packhouse.test/composer/search.json?q=%query%&type=%type%',
    });
  });

  it("answers Composer's search in Packagist's shape, by package type and page by page", async () => {
    const search = async (query: string) => {
      const answer = await anonymous('GET', `/composer/search.json?${query}`);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return answer.body;
    };
    expect(await search('q=token&type=')).toEqual({
      results: [
        {
          name: 'drupal/token',
          description: expect.any(String),
          url: 'http://packhouse.test/project/token',
          repository: token.url,
          downloads: 0,
        },
      ],
      total: 1,
    });
    // The core project is drupal/core; the type filter speaks Composer's types.
    expect((await search('q=drupal+core&type=drupal-core')).results.map((hit: any) => hit.name)).toEqual([
      'drupal/core',
    ]);
    expect(await search('q=token&type=drupal-theme')).toEqual({ results: [], total: 0 });
    expect(await search('q=token&type=library')).toEqual({ results: [], total: 0 });
    expect(await search('q=nothing_like_this&type=')).toEqual({ results: [], total: 0 });
    // Paging as Packagist does: `next` while more remain.
    const first = await search('q=token+or+core&type=&per_page=1');
    expect(first).toMatchObject({ total: 2, results: [expect.anything()] });
    const second = await search(new URL(first.next).search.slice(1));
    expect(second.next).toBeUndefined();
    expect([first.results[0].name, second.results[0].name].sort()).toEqual(['drupal/core', 'drupal/token']);
    expect((await anonymous('GET', '/composer/search.json?q=token&per_page=500')).status).toBe(400);
  });

  it(
    'publishes legacy releases translated, with dist = the stored zip and ' +
      'its sha1, require merged from composer.json and info',
    async () => {
      const answer = await anonymous('GET', '/composer/p2/drupal/token.json');
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('application/json');
      const versions = versionsOf(answer.body, 'drupal/token');
      expect([...versions.keys()]).toEqual(['1.3.0', '1.2.0']);
      const release = await anonymous('GET', '/api/v1/projects/token/releases/8.x-1.2');
      const zip = release.body.files.find((file: { archiveType: string }) => file.archiveType === 'zip');
      expect(versions.get('1.2.0')).toEqual({
        name: 'drupal/token',
        description: 'Token',
        version: '1.2.0',
        type: 'drupal-module',
        homepage: 'http://packhouse.test/project/token',
        license: 'GPL-2.0-or-later',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/),
        dist: { type: 'zip', url: zip.url, reference: release.body.commit, shasum: zip.sha1 },
        source: { type: 'git', url: token.url, reference: '8.x-1.2' },
        support: { source: token.url },
        // Package names with underscores come back as written (stored as jsonb, read as text).
        require: {
          'drupal/core': '^10 || ^11',
          'drupal/ctools': '*',
          'drupal/entity_api': '*',
          'drupal/search_api': '^1.30',
          php: '>=8.1',
        },
        extra: {
          drupal: {
            version: '8.x-1.2',
            datestamp: String(TIME),
            'security-coverage': {
              status: 'not-covered',
              message: 'Project has not opted into security advisory coverage',
            },
          },
        },
      });
      // Minified: the second version carries only what changed.
      expect(Object.keys(answer.body.packages['drupal/token'][1]).sort()).toEqual(
        expect.arrayContaining(['dist', 'extra', 'source', 'version']),
      );
      expect(answer.body.packages['drupal/token'][1]).not.toHaveProperty('name');
      expect(answer.body.packages['drupal/token'][1]).not.toHaveProperty('require');
      expect(answer.body['security-advisories']).toEqual([]);
    },
  );

  it('publishes the core project as drupal/core, type drupal-core, and never as drupal/drupal', async () => {
    const versions = versionsOf((await anonymous('GET', '/composer/p2/drupal/core.json')).body, 'drupal/core');
    expect(versions.get('10.3.0')).toMatchObject({ name: 'drupal/core', type: 'drupal-core', version: '10.3.0' });
    expect(versions.get('10.3.0').require).toBeUndefined();
    expect((await anonymous('GET', '/composer/p2/drupal/drupal.json')).status).toBe(404);
  });

  it('publishes sub-modules as metapackages requiring the parent at the same version', async () => {
    const versions = versionsOf((await anonymous('GET', '/composer/p2/drupal/token_ui.json')).body, 'drupal/token_ui');
    expect(versions.get('1.3.0')).toMatchObject({
      name: 'drupal/token_ui',
      type: 'metapackage',
      require: { 'drupal/token': '1.3.0' },
    });
  });

  it('answers unknown and impossible names with a fast 404', async () => {
    expect((await anonymous('GET', '/composer/p2/drupal/nothing_here.json')).status).toBe(404);
    expect((await anonymous('GET', '/composer/p2/drupal/Bad-Name.json')).status).toBe(404);
    expect((await anonymous('GET', '/composer/p2/drupal/nothing_here~dev.json')).status).toBe(404);
  });

  it('answers 304 to If-Modified-Since and If-None-Match, gzip on request', async () => {
    const settled = await eventually(
      async () => {
        const answer = await anonymous('GET', '/composer/p2/drupal/core.json');
        return answer.headers['last-modified'] ? answer : undefined;
      },
      10_000,
      'a settled Last-Modified',
    );
    expect(settled.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(
      (
        await anonymous('GET', '/composer/p2/drupal/core.json', undefined, {
          'if-modified-since': settled.headers['last-modified']!,
        })
      ).status,
    ).toBe(304);
    expect(
      (await anonymous('GET', '/composer/p2/drupal/core.json', undefined, { 'if-none-match': settled.headers.etag! }))
        .status,
    ).toBe(304);
    const gzipped = await anonymous('HEAD', '/composer/p2/drupal/core.json', undefined, { 'accept-encoding': 'gzip' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
  });

  it('refuses a release whose Composer version another release already is (rule composer_version_taken)', async () => {
    token.tag('1.2.0');
    const refused = await alice('POST', '/api/v1/projects/token/releases', { tag: '1.2.0' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('composer_version_taken');
    expect(refused.body.error.message).toMatch(
      /token 1\.2\.0 would be Composer version 1\.2\.0, which token 8\.x-1\.2 already is.*\(rule composer_version_taken\)/,
    );
  });

  it('shows a new dev branch as dev-1.x aliased 1.x-dev in the ~dev file, in the very next answer', async () => {
    expect((await anonymous('GET', '/composer/p2/drupal/token~dev.json')).body.packages['drupal/token']).toEqual([]);
    token.git('branch', '8.x-1.x');
    expect((await alice('POST', '/api/v1/projects/token/branches', { branch: '8.x-1.x' })).status).toBe(202);
    const dev = await published('token', '8.x-1.x-dev');
    const versions = versionsOf((await anonymous('GET', '/composer/p2/drupal/token~dev.json')).body, 'drupal/token');
    const zip = dev.files.find((file: { archiveType: string }) => file.archiveType === 'zip');
    expect(versions.get('dev-1.x')).toMatchObject({
      dist: { type: 'zip', url: zip.url, reference: dev.commit, shasum: zip.sha1 },
      source: { type: 'git', url: token.url, reference: dev.commit },
      extra: { 'branch-alias': { 'dev-1.x': '1.x-dev' } },
    });
    // The tags' file does not list branches.
    expect(
      versionsOf((await anonymous('GET', '/composer/p2/drupal/token.json')).body, 'drupal/token').has('dev-1.x'),
    ).toBe(false);
  });

  it(
    'stops offering an unpublished release at once while its zip stays ' + 'downloadable, and marks abandoned projects',
    async () => {
      const before = versionsOf((await anonymous('GET', '/composer/p2/drupal/token.json')).body, 'drupal/token');
      const zipUrl = new URL(before.get('1.2.0').dist.url).pathname;
      expect((await alice('PATCH', '/api/v1/projects/token/releases/8.x-1.2', { status: 'unpublished' })).status).toBe(
        200,
      );
      const after = versionsOf((await anonymous('GET', '/composer/p2/drupal/token.json')).body, 'drupal/token');
      expect([...after.keys()]).toEqual(['1.3.0']);
      expect((await anonymous('GET', zipUrl)).status).toBe(200);

      expect((await alice('PATCH', '/api/v1/projects/token', { status: 'unsupported' })).status).toBe(200);
      const abandoned = versionsOf((await anonymous('GET', '/composer/p2/drupal/token.json')).body, 'drupal/token');
      expect(abandoned.get('1.3.0').abandoned).toBe(true);
      expect((await anonymous('GET', '/composer/search.json?q=token')).body.results[0].abandoned).toBe(true);
    },
  );

  it(
    'is fresh in every API process: a change through one shows in the very ' +
      'next answer of another that had it cached',
    async () => {
      const other = await buildApp(stack.registry);
      await other.listen({ port: 0, host: '127.0.0.1' });
      try {
        const elsewhere = client(other);
        const file = '/composer/p2/drupal/token.json';
        await elsewhere('GET', file);
        expect((await elsewhere('GET', file)).headers['x-packhouse-cache']).toBe('hit');
        expect((await alice('PATCH', '/api/v1/projects/token/releases/8.x-1.2', { status: 'published' })).status).toBe(
          200,
        );
        expect([...versionsOf((await elsewhere('GET', file)).body, 'drupal/token').keys()]).toEqual(['1.3.0', '1.2.0']);
        expect((await alice('PATCH', '/api/v1/projects/token', { status: 'published' })).status).toBe(200);
        expect(versionsOf((await elsewhere('GET', file)).body, 'drupal/token').get('1.3.0').abandoned).toBeUndefined();
      } finally {
        await other.close();
      }
    },
  );
});

import { client, removeRepos, startStack, type Stack } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  archiveOf,
  CORE_FILES,
  distributionOf,
  profileFiles,
  publishProject,
  sha256,
  startLibraryServer,
  VIEWS_FILES,
  VIEWS_PATCH,
  type LibraryServer,
} from '../distribution-fixtures.ts';
import { SessionClient } from './session-client.ts';

type Api = ReturnType<typeof client>;

const CHOSEN_ZIP = archiveOf('zip', { 'chosen/chosen.jquery.js': '/* chosen */\n' });

/**
 * A distribution's release page: its whole-site build (failed, retried from the form,
 * published), the bill of materials as a table, and the bundled project's "used by".
 */
describe('distribution pages: the whole-site build, the bill of materials, used by', () => {
  let stack: Stack;
  let library: LibraryServer;
  let admin: Api;
  let alice: Api;
  let aliceToken: string;
  const anonymous = () => new SessionClient(stack.app);

  beforeAll(async () => {
    library = await startLibraryServer();
    library.files.set('/libs/chosen.zip', CHOSEN_ZIP);
    library.files.set('/patches/views-title.patch', Buffer.from(VIEWS_PATCH));
    stack = await startStack({ DOWNLOAD_INSECURE_ORIGINS: library.origin });
    stack.startWorker();
    admin = client(stack.app, stack.adminToken);
    aliceToken = (await admin('POST', '/api/v1/users', { name: 'alice' })).body.token;
    alice = client(stack.app, aliceToken);
    await publishProject(admin, 'drupal', 'core', [{ tag: '10.2.1', files: CORE_FILES }]);
    await publishProject(alice, 'views', 'module', [{ tag: '8.x-3.18', files: VIEWS_FILES }]);
    const make = [
      'api = 2',
      'core = 10.x',
      'projects[drupal][type] = core',
      'projects[drupal][version] = 10.2.1',
      'projects[views][version] = 8.x-3.18',
      `projects[views][patch][title][url] = ${library.origin}/patches/views-title.patch`,
      `projects[views][patch][title][sha256] = ${sha256(VIEWS_PATCH)}`,
      'libraries[chosen][download][type] = file',
      `libraries[chosen][download][url] = ${library.origin}/libs/chosen.zip`,
      '',
    ].join('\n');
    // Nothing on the allowlist yet: the whole-site build fails until an administrator adds the library host.
    await publishProject(alice, 'atrium', 'distribution', [
      { tag: '1.0.0', files: profileFiles('drupal-org.make', make) },
    ]);
    expect((await distributionOf(alice, 'atrium', '1.0.0')).distribution.status).toBe('failed');
  }, 120_000);
  afterAll(async () => {
    await stack.close();
    library.close();
    removeRepos();
  });

  it("shows a failed whole-site build's error, and its maintainer retries it from the form", async () => {
    const page = await anonymous().get('/project/atrium/releases/1.0.0');
    expect(page.text).toContain('The whole-site build failed:');
    expect(page.text).toContain('is not on the library allowlist');
    expect(page.text).not.toContain('Retry the whole-site build');

    const maintainer = new SessionClient(stack.app);
    await maintainer.signIn(aliceToken);
    const own = await maintainer.get('/project/atrium/releases/1.0.0');
    expect(own.text).toContain('action="/project/atrium/releases/1.0.0/distribution/retry"');

    await admin('PUT', '/api/v1/admin/library-allowlist', {
      patterns: [`^${library.origin.replace(/[.]/g, '\\.')}/(libs|patches)/`],
    });
    const retried = await maintainer.submit(
      '/project/atrium/releases/1.0.0',
      '/project/atrium/releases/1.0.0/distribution/retry',
      {},
    );
    expect(retried.status).toBe(303);
    expect(retried.headers.location).toBe('/project/atrium/releases/1.0.0');
    expect((await distributionOf(alice, 'atrium', '1.0.0')).distribution.status).toBe('published');
  });

  it('lists the bill of materials as a table and labels each variant of the downloads', async () => {
    const { text, status } = await anonymous().get('/project/atrium/releases/1.0.0');
    expect(status).toBe(200);
    expect(Buffer.byteLength(text)).toBeLessThan(100 * 1024);
    expect(text).not.toContain('The whole-site build failed');
    const bom = text.slice(text.indexOf('<h2 id="bom">'));
    const rows = [...bom.matchAll(/<tr><td>(.*?)<\/td><td>(.*?)<\/td><td>(.*?)<\/td><td>(.*?)<\/td><\/tr>/g)].map(
      (row) => row.slice(1),
    );
    expect(rows).toEqual([
      ['<a href="/project/drupal/releases/10.2.1">drupal</a>', 'core', '10.2.1', 'Packhouse'],
      ['<a href="/project/views/releases/8.x-3.18">views</a>', 'project', '8.x-3.18', 'Packhouse'],
      [
        'chosen',
        'library',
        '',
        `<a class="hash" href="${library.origin}/libs/chosen.zip" rel="nofollow noopener">${library.origin}/libs/chosen.zip</a>`,
      ],
      [
        'title',
        'patch to views',
        '',
        `<a class="hash" href="${library.origin}/patches/views-title.patch" rel="nofollow noopener">${library.origin}/patches/views-title.patch</a>`,
      ],
    ]);
    expect(bom).toContain('as <a href="http://packhouse.test/files/projects/atrium-1.0.0.cdx.json">CycloneDX</a>');
    expect(text).toContain('atrium-1.0.0-core.tar.gz</a> tar.gz with core,');
    expect(text).toContain('atrium-1.0.0-no-core.zip</a> zip without core,');
    expect(text).toContain('atrium-1.0.0.tar.gz</a> tar.gz profile only,');
  });

  it("names the distributions bundling a project on that project's page", async () => {
    const { text } = await anonymous().get('/project/views');
    expect(text).toContain('<h2 id="used-by">Used by</h2>');
    expect(text).toContain(
      '<li><a href="/project/atrium/releases/1.0.0">atrium 1.0.0</a> <span class="muted">bundles 8.x-3.18</span></li>',
    );
    expect((await anonymous().get('/project/drupal')).text).toContain('atrium 1.0.0</a>');
  });

  it("warns on the distribution's page, at once, when a bundled release is marked insecure", async () => {
    const before = await anonymous().get('/project/atrium/releases/1.0.0');
    expect(before.text).not.toContain('marked insecure since');
    await alice('PATCH', '/api/v1/projects/views/releases/8.x-3.18', { insecure: true });
    const after = await anonymous().get('/project/atrium/releases/1.0.0');
    expect(after.text).toContain(
      'bundles releases marked insecure since: <a href="/project/views/releases/8.x-3.18">views 8.x-3.18</a>',
    );
    expect(after.text).toMatch(/>views<\/a> <span class="badge insecure">insecure<\/span>/);
  });
});

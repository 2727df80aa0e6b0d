import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { isoWeekStart } from '@packhouse/registry';
import { client, createRepo, startStack, type Stack, type TestRepo } from '@packhouse/testing';
import { CORE_FILES, distributionOf, profileFiles, publishProject, releaseOf } from '../distribution-fixtures.ts';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Screenshots land here (git-ignored), for a person to look at after a run. */
const OUTPUT = fileURLToPath(new URL('../../../../test-output/browser/', import.meta.url));
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * A real browser (Debian's chromium, driven by playwright-core) against a whole Packhouse:
 * browse to a project, download and verify an archive, sign in and release from a form,
 * a forged form refused, an offering's visit counted, and axe on every page.
 */
describe('pages in a real browser', () => {
  let stack: Stack;
  let browser: Browser;
  let repo: TestRepo;
  let aliceToken: string;
  let origin: string;

  beforeAll(async () => {
    await mkdir(OUTPUT, { recursive: true });
    stack = await startStack();
    stack.startWorker();
    origin = `http://127.0.0.1:${(stack.app.server.address() as AddressInfo).port}`;
    const admin = client(stack.app, stack.adminToken);
    aliceToken = (await admin('POST', '/api/v1/users', { name: 'alice' })).body.token;
    const alice = client(stack.app, aliceToken);
    repo = await createRepo();
    repo.git('checkout', '-q', '-b', '8.x-1.x');
    repo.commit({
      'pathauto.info.yml': 'name: Pathauto\ntype: module\ncore_version_requirement: ^10 || ^11\n',
      'README.md':
        '# Pathauto\n\nGenerates URL aliases for content automatically, from patterns.\n\n- Tokens\n- Bulk updates\n',
    });
    repo.tag('8.x-1.0', {
      message:
        'Pathauto 8.x-1.0: the first stable release.\n\n' +
        '- Patterns per bundle and language\n- Bulk generation of aliases\n- [Upgrade notes](https://example.org/pathauto/upgrade)\n',
    });
    repo.tag('8.x-1.1');
    await alice('POST', '/api/v1/projects', { name: 'pathauto', title: 'Pathauto', type: 'module', gitUrl: repo.url });
    await alice('POST', '/api/v1/projects/pathauto/releases', { tag: '8.x-1.0' });
    await releaseOf(alice, 'pathauto', '8.x-1.0');
    await alice('POST', '/api/v1/projects/pathauto/branches', { branch: '8.x-1.x' });
    await releaseOf(alice, 'pathauto', '8.x-1.x-dev');
    // A distribution bundling it, for the bill of materials.
    await publishProject(admin, 'drupal', 'core', [{ tag: '10.2.1', files: CORE_FILES }]);
    const make = 'api = 2\ncore = 10.x\nprojects[drupal][version] = 10.2.1\nprojects[pathauto][version] = 8.x-1.0\n';
    await publishProject(alice, 'atrium', 'distribution', [
      { tag: '1.0.0', files: profileFiles('drupal-org.make', make) },
    ]);
    expect((await distributionOf(alice, 'atrium', '1.0.0')).distribution.status).toBe('published');
    await alice('POST', '/api/v1/projects/pathauto/offerings', {
      provider: 'Acme',
      kind: 'support',
      title: 'Pathauto support with an SLA',
      url: 'https://acme.example/support',
    });
    // Twelve weeks of usage as sites would have reported it, for the chart in the screenshot.
    const project = await stack.registry.db
      .selectFrom('projects')
      .select('id')
      .where('name', '=', 'pathauto')
      .executeTakeFirstOrThrow();
    const monday = Date.parse(isoWeekStart(new Date()));
    await stack.registry.db
      .insertInto('usageCounts')
      .values(
        Array.from({ length: 12 }, (_, i) => ({
          projectId: project.id,
          week: new Date(monday - (11 - i) * 7 * 86_400_000).toISOString().slice(0, 10),
          version: '8.x-1.0',
          sites: 40 + i * 9 + (i % 3) * 5,
        })),
      )
      .execute();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** A page whose links to PUBLIC_URL (http://packhouse.test) reach this stack; nothing leaves loopback. */
  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ acceptDownloads: true, baseURL: origin });
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.origin === origin) return route.continue();
      if (url.host === 'packhouse.test') return route.continue({ url: `${origin}${url.pathname}${url.search}` });
      return route.fulfill({
        status: 200,
        contentType: 'text/html',
        body: `<!doctype html><title>outside</title><p>${url.href}</p>`,
      });
    });
    return context.newPage();
  }

  async function expectAccessible(page: Page, label: string) {
    const results = await new AxeBuilder({ page }).analyze();
    expect(results.passes.length).toBeGreaterThan(10); // axe ran its rules on this page
    const bad = results.violations.filter(
      (violation) => violation.impact === 'serious' || violation.impact === 'critical',
    );
    expect(
      bad.map(
        (violation) =>
          `${label}: ${violation.id} (${violation.impact}) ` +
          `${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
      ),
    ).toEqual([]);
  }

  it(
    'browses from the home page to a project and a release, downloads the ' +
      'archive and checks its sha256 against the page',
    async () => {
      const page = await newPage();
      await page.goto('/');
      await expectAccessible(page, 'home');
      await page.getByRole('link', { name: 'Pathauto 8.x-1.0' }).click();
      await page.getByRole('link', { name: 'Pathauto', exact: true }).click();
      expect(await heading(page)).toBe('Pathauto');
      await expectAccessible(page, 'project');
      await page.screenshot({ path: path.join(OUTPUT, 'project.png'), fullPage: true });

      await page.getByRole('link', { name: '8.x-1.0' }).first().click();
      expect(await heading(page)).toBe('Pathauto 8.x-1.0');
      expect(await page.locator('section[aria-labelledby="notes"] li').allTextContents()).toEqual([
        'Patterns per bundle and language',
        'Bulk generation of aliases',
        'Upgrade notes',
      ]);
      await expectAccessible(page, 'release');
      await page.screenshot({ path: path.join(OUTPUT, 'release.png'), fullPage: true });
      const shown = await page.locator('[id="sha256-pathauto-8.x-1.0.tar.gz"]').textContent();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'pathauto-8.x-1.0.tar.gz' }).click(),
      ]);
      const bytes = await readFile((await download.path())!);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(shown);

      await page.getByRole('link', { name: 'Releases' }).click();
      await expectAccessible(page, 'releases');
      await page.getByLabel('Search projects', { exact: true }).fill('aliases');
      await page.getByLabel('Search projects', { exact: true }).press('Enter');
      await page.waitForURL(/\/search\?q=aliases/);
      expect(await page.getByRole('status').textContent()).toBe('1 project matches “aliases”.');
      await expectAccessible(page, 'search');
    },
  );

  it('signs in as a maintainer, releases a tag from the form and sees it publish', async () => {
    const page = await newPage();
    await page.goto('/sign-in');
    await expectAccessible(page, 'sign-in');
    await page.getByLabel('API token').fill(aliceToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await heading(page)).toBe('Signed in as alice');
    await expectAccessible(page, 'account');
    await page.goto('/projects/new');
    await expectAccessible(page, 'new project');
    await page.goto('/project/pathauto/manage');
    await expectAccessible(page, 'manage');
    await page.getByLabel('Tag (the version, e.g. 8.x-1.2 or 2.0.1)').fill('8.x-1.1');
    await page.getByLabel('bugfix').check();
    await page.getByRole('button', { name: 'Release', exact: true }).click();
    await page.waitForURL(/\/releases\/8\.x-1\.1$/);
    expect(await heading(page)).toBe('Pathauto 8.x-1.1');
    for (let i = 0; i < 100 && !(await page.locator('.badge.published').count()); i++) {
      await page.waitForTimeout(200);
      await page.reload();
    }
    expect(await page.locator('.badge.published').count()).toBe(1);
    await expectAccessible(page, 'release (maintainer)');
  });

  it('refuses a form posted without its CSRF token', async () => {
    const page = await newPage();
    await page.goto('/sign-in');
    await page.getByLabel('API token').fill(aliceToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.goto('/project/pathauto/manage');
    await page.evaluate(() => {
      for (const field of document.querySelectorAll('input[name="_csrf"]')) field.remove();
    });
    await page.getByRole('button', { name: 'Rotate the webhook secret' }).click();
    await page.waitForURL(/\/webhook-secret$/);
    expect(await page.getByRole('alert').textContent()).toContain('CSRF token is missing');
    await expectAccessible(page, 'error');
  });

  it('finds no serious or critical violation on the other pages either', async () => {
    const page = await newPage();
    for (const [path, label] of [
      ['/project/pathauto/releases?branch=8.x-1.', 'releases of a branch'],
      ['/project/pathauto/releases/8.x-1.x-dev', 'dev release'],
      ['/project/atrium/releases/1.0.0', 'distribution release'],
      ['/project/atrium', 'distribution'],
      ['/project/drupal', 'core'],
      ['/project/nope', 'not found'],
      ['/search?q=nothing-matches-this', 'no search results'],
    ]) {
      await page.goto(path!);
      await expectAccessible(page, label!);
    }
    await page.goto('/project/atrium/releases/1.0.0');
    expect(await page.getByRole('heading', { name: 'Bill of materials' }).count()).toBe(1);
    await page.screenshot({ path: path.join(OUTPUT, 'distribution-release.png'), fullPage: true });

    await page.goto('/sign-in');
    await page.getByLabel('API token').fill(stack.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('User name').fill('alice');
    await page.getByRole('button', { name: 'Issue a sign-in link' }).click();
    await expectAccessible(page, 'issued sign-in link');
    const link = await page.locator('code.secret').textContent();
    await page.goto('/projects/new');
    await page.getByLabel('Machine name').fill('created_here');
    await page.getByLabel('Title').fill('Created here');
    await page.getByLabel('Git URL').fill(repo.url);
    await page.getByRole('button', { name: 'Create project' }).click();
    expect(await heading(page)).toBe('Created here is created');
    await expectAccessible(page, 'created project (secret shown once)');

    const other = await newPage();
    await other.goto(new URL(link!).pathname);
    await expectAccessible(other, 'sign-in link');
    await other.getByRole('button', { name: 'Sign in' }).click();
    expect(await heading(other)).toBe('Signed in as alice');
  });

  it("counts a visit when an offering's link is followed", async () => {
    const page = await newPage();
    await page.goto('/project/pathauto');
    await page.getByRole('link', { name: 'Pathauto support with an SLA' }).click();
    await page.waitForURL('https://acme.example/support');
    const visits = await client(stack.app, aliceToken)('GET', '/api/v1/projects/pathauto/offerings-visits');
    expect(visits.body[0].total).toBe(1);
  });
});

async function heading(page: Page): Promise<string | null> {
  await page.waitForLoadState();
  return page.locator('h1').textContent();
}

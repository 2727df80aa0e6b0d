import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expand } from '@packhouse/composer';
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
import { composerSite, freePort } from './composer-cli.ts';

/**
 * The stock `composer` client (Debian's, 2.5) against a Packhouse on loopback: what a site
 * does, end to end. `.ci/run` installs php-cli and composer.
 */
const TIME = 1_764_288_000;
const PATHAUTO_INFO = [
  'name: Pathauto',
  'type: module',
  "core_version_requirement: '^10'",
  'dependencies:',
  '  - drupal:path',
  '  - token:token',
  '',
].join('\n');

/**
 * Reads a p2 file's `security-advisories` with Composer's own classes: class, id, and whether 1.2.0 / 1.3.0 are
 * affected.
 */
const PARSE_P2_ADVISORIES = `
require '/usr/share/php/Composer/autoload.php';
$document = json_decode(file_get_contents('php://stdin'), true);
$parser = new Composer\\Semver\\VersionParser();
$affects = fn ($advisory, $version) => $advisory->affectedVersions->matches(new Composer\\Semver\\Constraint\\Constraint('==', $parser->normalize($version)));
foreach ($document['security-advisories'] as $data) {
  $advisory = Composer\\Advisory\\PartialSecurityAdvisory::create('drupal/token', $data, $parser);
  echo json_encode([get_class($advisory), $advisory->advisoryId, $affects($advisory, '1.2.0'), $affects($advisory, '1.3.0')]), "\\n";
}`;

function hasComposer(): boolean {
  try {
    execFileSync('composer', ['--version'], {
      stdio: 'ignore',
      env: { ...process.env, COMPOSER_ALLOW_SUPERUSER: '1' },
    });
    return true;
  } catch {
    return false;
  }
}

describe.runIf(hasComposer() || process.env.CI)('the real composer installs from Packhouse', () => {
  let stack: Stack;
  let alice: ReturnType<typeof client>;
  let anonymous: ReturnType<typeof client>;
  let pathauto: TestRepo;
  let repositoryUrl: string;
  const sites: string[] = [];

  const site = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'packhouse-site-'));
    sites.push(dir);
    return composerSite(dir, repositoryUrl);
  };
  const published = (project: string, version: string) => releasePublished(anonymous, project, version);
  const zipOf = (release: { files: { archiveType: string; url: string; sha1: string }[] }) =>
    release.files.find((file) => file.archiveType === 'zip')!;
  const builds = (count: number) =>
    eventually(
      async () => {
        const body = (await anonymous('GET', '/api/v1/projects/pathauto/releases/1.x-dev')).body;
        return body.builds?.filter((build: { status: string }) => build.status === 'published').length === count
          ? body
          : undefined;
      },
      60_000,
      `${count} builds`,
    );

  beforeAll(async () => {
    const port = await freePort();
    repositoryUrl = `http://127.0.0.1:${port}/composer`;
    stack = await startStack({ PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
    stack.startWorker();
    alice = await signUp(stack, 'alice');
    anonymous = client(stack.app);

    const core = await createRepo({ 'drupal.info.yml': 'name: Drupal\n', 'core/lib/Drupal.php': '<?php\n' }, TIME);
    core.tag('10.3.0');
    const token = await createRepo(
      { 'token.info.yml': "name: Token\ntype: module\ncore_version_requirement: '^10'\n" },
      TIME,
    );
    token.tag('8.x-1.2');
    pathauto = await createRepo(
      { 'pathauto.info.yml': PATHAUTO_INFO, 'modules/pathauto_extra/pathauto_extra.info.yml': 'name: Extra\n' },
      TIME,
    );
    pathauto.tag('1.0.0');
    pathauto.git('branch', '1.x');
    for (const [name, type, repo] of [
      ['drupal', 'core', core],
      ['token', 'module', token],
      ['pathauto', 'module', pathauto],
    ] as const) {
      // Core is for administrators only.
      const owner = type === 'core' ? client(stack.app, stack.adminToken) : alice;
      await owner('POST', '/api/v1/projects', { name, title: name, type, gitUrl: repo.url });
    }
    await client(stack.app, stack.adminToken)('POST', '/api/v1/projects/drupal/releases', { tag: '10.3.0' });
    await alice('POST', '/api/v1/projects/token/releases', { tag: '8.x-1.2' });
    await alice('POST', '/api/v1/projects/pathauto/releases', { tag: '1.0.0' });
    await Promise.all([published('drupal', '10.3.0'), published('token', '8.x-1.2'), published('pathauto', '1.0.0')]);
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
    for (const dir of sites) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'requires drupal/pathauto:^1.0 with its Packhouse dependency (legacy ' +
      '8.x-1.2 as 1.2.0) and drupal/core; the lock names Packhouse zips and ' +
      'sha1s',
    async () => {
      const composer = site();
      await composer.ok('require', 'drupal/pathauto:^1.0');
      const locked = new Map(composer.lock().packages.map((entry) => [entry.name, entry]));
      expect([...locked.keys()].sort()).toEqual(['drupal/core', 'drupal/pathauto', 'drupal/token']);
      expect(locked.get('drupal/token').version).toBe('1.2.0');
      expect(locked.get('drupal/core')).toMatchObject({ version: '10.3.0', type: 'drupal-core' });
      for (const [project, version, name] of [
        ['pathauto', '1.0.0', 'drupal/pathauto'],
        ['token', '8.x-1.2', 'drupal/token'],
        ['drupal', '10.3.0', 'drupal/core'],
      ]) {
        const zip = zipOf(await published(project!, version!));
        expect(locked.get(name!).dist).toMatchObject({ type: 'zip', url: zip.url, shasum: zip.sha1 });
      }
    },
  );

  it('reports installs through notify-batch, shown beside update-status usage', async () => {
    const usage = await eventually(
      async () => {
        const answer = await anonymous('GET', '/api/v1/projects/pathauto/usage');
        return answer.body.composer.length > 0 ? answer.body : undefined;
      },
      10_000,
      'counted installs',
    );
    expect(usage.composer[0]).toMatchObject({ installs: 1, versions: [{ version: '1.0.0', installs: 1 }] });
    expect(usage.weeks).toEqual([]);
  });

  it('makes composer audit fail naming a Packhouse advisory', async () => {
    const composer = site();
    await composer.ok('require', 'drupal/token:^1.2');
    expect((await composer.run('audit', '--format=json')).code).toBe(0);
    const advisory = await alice('POST', '/api/v1/projects/token/advisories', {
      title: 'Access bypass in token',
      severity: 'critical',
      affectedVersions: '<=8.x-1.2',
      description: 'Tokens leaked private fields.',
    });
    expect(advisory.status).toBe(201);
    const audit = await composer.run('audit', '--format=json');
    expect(audit.code).not.toBe(0);
    const report = JSON.parse(audit.stdout);
    expect(report.advisories['drupal/token']).toEqual([
      expect.objectContaining({
        advisoryId: advisory.body.id,
        affectedVersions: '<=1.2.0',
        title: 'Access bypass in token',
      }),
    ]);
    // Composer 2.9 blocks affected versions on update from the p2 file's entries: Debian's 2.5
    // has no such blocking, but its own PartialSecurityAdvisory parses those entries here.
    const p2 = (await anonymous('GET', '/composer/p2/drupal/token.json')).raw.toString('utf8');
    const parsed = execFileSync('php', ['-r', PARSE_P2_ADVISORIES], { input: p2 })
      .toString()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(parsed).toEqual([['Composer\\Advisory\\SecurityAdvisory', advisory.body.id, true, false]]);
    // Withdrawn: the same lock audits clean again.
    await alice('PATCH', `/api/v1/projects/token/advisories/${advisory.body.id}`, { status: 'withdrawn' });
    expect((await composer.run('audit', '--format=json')).code).toBe(0);
  });

  it('round-trips the minified metadata through composer show -a', async () => {
    const composer = site();
    const shown = JSON.parse((await composer.ok('show', '-a', 'drupal/pathauto', '--format=json')).stdout);
    const held = expand((await anonymous('GET', '/composer/p2/drupal/pathauto.json')).body.packages['drupal/pathauto']);
    expect(shown.versions).toEqual(held.map((version) => version.version));
    const newest = held[0] as any;
    expect(shown).toMatchObject({
      name: newest.name,
      description: newest.description,
      type: newest.type,
      homepage: newest.homepage,
      licenses: [expect.objectContaining({ osi: newest.license })],
      requires: newest.require,
      source: newest.source,
      // `show` prints no shasum; the lock-file test compares it.
      dist: { type: newest.dist.type, url: newest.dist.url, reference: newest.dist.reference },
    });
  });

  it('finds packages with composer search, by words and by --type', async () => {
    const composer = site();
    const search = async (...args: string[]) =>
      JSON.parse((await composer.ok('search', '--format=json', ...args)).stdout) as { name: string }[];
    expect(await search('pathauto')).toEqual([
      expect.objectContaining({ name: 'drupal/pathauto', url: repositoryUrl.replace(/composer$/, 'project/pathauto') }),
    ]);
    expect((await search('--type=drupal-core', 'drupal')).map((hit) => hit.name)).toEqual(['drupal/core']);
    expect(await search('--type=drupal-theme', 'pathauto')).toEqual([]);
    // The text output lists name and description.
    expect((await composer.ok('search', 'token')).stdout).toMatch(/^drupal\/token\s/m);
  });

  it('resolves a sub-module metapackage to its parent', async () => {
    const composer = site();
    await composer.ok('require', 'drupal/pathauto_extra');
    const locked = new Map(composer.lock().packages.map((entry) => [entry.name, entry]));
    expect(locked.get('drupal/pathauto_extra')).toMatchObject({
      type: 'metapackage',
      version: '1.0.0',
      require: { 'drupal/pathauto': '1.0.0' },
    });
    expect(locked.get('drupal/pathauto').version).toBe('1.0.0');
  });

  it('installs a dev branch as 1.x-dev, and composer update moves to the next build after a push', async () => {
    expect((await alice('POST', '/api/v1/projects/pathauto/branches', { branch: '1.x' })).status).toBe(202);
    const first = await builds(1);
    const composer = site();
    await composer.ok('require', 'drupal/pathauto:1.x-dev');
    const locked = () => composer.lock().packages.find((entry) => entry.name === 'drupal/pathauto');
    expect(locked()).toMatchObject({
      version: 'dev-1.x',
      dist: { url: zipOf(first).url, reference: first.commit, shasum: zipOf(first).sha1 },
    });
    expect(locked().extra['branch-alias']).toEqual({ 'dev-1.x': '1.x-dev' });

    pathauto.git('checkout', '-q', '1.x');
    pathauto.commit({ 'pathauto.info.yml': PATHAUTO_INFO, 'README.md': 'pushed\n' }, TIME + 60);
    expect((await alice('POST', '/api/v1/projects/pathauto/branches/1.x/build')).status).toBe(202);
    const second = await builds(2);
    expect(second.commit).not.toBe(first.commit);
    await composer.ok('update', 'drupal/pathauto');
    expect(locked().dist).toMatchObject({
      url: zipOf(second).url,
      reference: second.commit,
      shasum: zipOf(second).sha1,
    });
    // A lock file naming the first build keeps installing it: old builds never disappear.
    const older = await anonymous('GET', new URL(zipOf(first).url).pathname);
    expect(older.status).toBe(200);
    expect(createHash('sha1').update(older.raw).digest('hex')).toBe(zipOf(first).sha1);
  });

  it(
    'keeps installing an unpublished release from an existing lock file, ' + 'while new resolutions no longer get it',
    async () => {
      const composer = site();
      await composer.ok('require', 'drupal/token:^1.2');
      expect((await alice('PATCH', '/api/v1/projects/token/releases/8.x-1.2', { status: 'unpublished' })).status).toBe(
        200,
      );
      rmSync(path.join(composer.dir, 'vendor'), { recursive: true, force: true });
      await composer.ok('install');
      expect(composer.lock().packages.find((entry) => entry.name === 'drupal/token').version).toBe('1.2.0');

      const fresh = site();
      const refused = await fresh.run('require', 'drupal/token:^1.2');
      expect(refused.code).not.toBe(0);
      expect(`${refused.stdout}${refused.stderr}`).toMatch(/drupal\/token/);
      expect((await alice('PATCH', '/api/v1/projects/token/releases/8.x-1.2', { status: 'published' })).status).toBe(
        200,
      );
    },
  );
});

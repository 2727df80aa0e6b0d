import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { client, removeRepos, signUp, startStack, type Stack } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  archiveOf,
  CORE_FILES,
  distributionOf,
  profileFiles,
  publishProject,
  sha256,
  startLibraryServer,
  TOKEN_FILES,
  VIEWS_FILES,
  VIEWS_PATCH,
  type LibraryServer,
} from './distribution-fixtures.ts';

type Api = ReturnType<typeof client>;

const LIB_ZIP = archiveOf('zip', { 'lib/lib.js': '// lib\n' });

describe('distribution builds: every policy refusal, with its make-file line, nothing half-published', () => {
  let stack: Stack;
  let library: LibraryServer;
  let inside: http.Server;
  let insideHits = 0;
  let alice: Api;
  let anonymous: Api;
  let cacheDir: string;
  let repo: Awaited<ReturnType<typeof publishProject>>;
  let tag = 0;

  /** Releases the next version of the distribution with these files; returns its finished release. */
  async function build(files: Record<string, string>) {
    tag += 1;
    const version = `1.0.${tag}`;
    repo.commit(files);
    repo.tag(version);
    expect((await alice('POST', '/api/v1/projects/atrium/releases', { tag: version })).status).toBe(202);
    return distributionOf(anonymous, 'atrium', version);
  }

  beforeAll(async () => {
    // Stands for the inside of the network: nothing may ever reach it.
    inside = http.createServer((_req, res) => {
      insideHits += 1;
      res.end('{"AccessKeyId":"secret"}');
    });
    await new Promise<void>((resolve) => inside.listen(0, '127.0.0.1', resolve));
    const insidePort = (inside.address() as AddressInfo).port;
    library = await startLibraryServer({
      '/libs/to-inside': `http://127.0.0.1:${insidePort}/latest/meta-data/`,
      '/libs/to-loopback': `https://127.0.0.1:${insidePort}/latest/meta-data/`,
      '/libs/to-metadata': 'https://169.254.169.254/latest/meta-data/',
    });
    library.files.set('/libs/lib.zip', LIB_ZIP);
    library.files.set('/patches/views-title.patch', Buffer.from(VIEWS_PATCH));
    cacheDir = mkdtempSync(path.join(tmpdir(), 'packhouse-downloads-'));
    stack = await startStack({ DOWNLOAD_INSECURE_ORIGINS: library.origin, DISTRIBUTION_CACHE_DIR: cacheDir });
    stack.startWorker();
    const admin = client(stack.app, stack.adminToken);
    alice = await signUp(stack, 'alice');
    anonymous = client(stack.app);
    await admin('PUT', '/api/v1/admin/library-allowlist', { patterns: [`^${library.origin.replace(/[.]/g, '\\.')}/`] });
    // core: administrators only
    await publishProject(client(stack.app, stack.adminToken), 'drupal', 'core', [{ tag: '10.2.1', files: CORE_FILES }]);
    await publishProject(alice, 'views', 'module', [{ tag: '8.x-3.18', files: VIEWS_FILES }]);
    await publishProject(alice, 'token', 'module', [{ tag: '1.14.0', files: TOKEN_FILES }]);
    repo = await publishProject(alice, 'atrium', 'distribution', []);
  });
  afterAll(async () => {
    await stack.close();
    library.close();
    inside.close();
    removeRepos();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  async function expectNothingBuilt(release: any) {
    // The profile's own archives stay what they were; no site archive was published or kept.
    expect(release.files.map((f: any) => f.variant)).toEqual(['profile-only', 'profile-only']);
    const keys = await stack.registry.storage.list(`archives/atrium/${release.version}/`);
    expect(keys.filter((key) => /-(no-)?core\.|\.cdx\.json$/.test(key))).toEqual([]);
  }

  it(
    'reports every make-file problem at once, each with its line: unknown ' +
      'key, unpinned version, unknown project and release, unlisted URL, ' +
      'include cycle',
    async () => {
      const release = await build(
        profileFiles(
          'drupal-org.make',
          [
            'api = 2',
            'core = 10.x',
            'format = tar',
            'includes[] = make/extra.make',
            'projects[drupal][version] = 10.2.1',
            'projects[] = token',
            'projects[ghost][version] = 1.0.0',
            'projects[views][version] = 8.x-9.9',
            'libraries[evil][download][url] = https://evil.example.com/x.zip',
            '',
          ].join('\n'),
          { 'make/extra.make': 'includes[] = ../drupal-org.make\n' },
        ),
      );
      expect(release.status).toBe('published');
      expect(release.distribution.status).toBe('failed');
      expect(release.distribution.error).toBe(
        [
          'refused: The make file breaks 6 rules:',
          "  drupal-org.make:3: The top-level attribute 'format' is not allowed.",
          "  drupal-org.make:6: Project 'token' is not pinned to a version; set projects[token][version] to one of its releases.",
          "  drupal-org.make:7: Project 'ghost' is not a Packhouse project.",
          "  drupal-org.make:8: Project 'views' has no release '8.x-9.9'.",
          "  drupal-org.make:9: The download URL 'https://evil.example.com/x.zip' of library 'evil' is not on the library allowlist.",
          "  make/extra.make:1: The include '../drupal-org.make' makes a cycle: drupal-org.make → make/extra.make → drupal-org.make.",
        ].join('\n') + ' (rule make_file_policy)',
      );
      await expectNothingBuilt(release);
    },
  );

  it('refuses a distribution that pins no core, and an api other than 2', async () => {
    const release = await build(
      profileFiles('drupal-org.make.yml', 'api: 3\ncore: 10.x\nprojects:\n  token: 1.14.0\n'),
    );
    expect(release.distribution.error).toBe(
      [
        'refused: The make file breaks 2 rules:',
        "  drupal-org.make.yml:1: The api must be 2, not '3'.",
        '  drupal-org.make.yml:1: The distribution does not pin Drupal core: add projects[drupal][version] (and projects[drupal][type] = core).',
      ].join('\n') + ' (rule make_file_policy)',
    );
    await expectNothingBuilt(release);
  });

  it('takes core from drupal-org-core.make alone when there is one', async () => {
    const release = await build(
      profileFiles(
        'drupal-org.make',
        ['api = 2', 'core = 10.x', 'projects[drupal][version] = 10.2.1', 'projects[token][version] = 1.14.0', ''].join(
          '\n',
        ),
        {
          'drupal-org-core.make': [
            'api = 2',
            'core = 10.x',
            'projects[drupal][type] = core',
            'projects[drupal][version] = 10.2.1',
            'projects[views][version] = 8.x-3.18',
            '',
          ].join('\n'),
        },
      ),
    );
    expect(release.distribution.error).toBe(
      [
        'refused: The make file breaks 2 rules:',
        "  drupal-org-core.make:5: The core make file may only pin Drupal core; move project 'views' to drupal-org.make.",
        '  drupal-org.make:3: Drupal core is pinned in drupal-org-core.make; remove it from drupal-org.make.',
      ].join('\n') + ' (rule make_file_policy)',
    );
    await expectNothingBuilt(release);
  });

  it(
    'refuses redirects into the network (SSRF) and a sha256 that does not ' + 'match, without reaching the inside',
    async () => {
      const declared = 'f'.repeat(64);
      const release = await build(
        profileFiles(
          'drupal-org.make',
          [
            'api = 2',
            'core = 10.x',
            'projects[drupal][version] = 10.2.1',
            `libraries[plain][download][url] = ${library.origin}/libs/to-inside`,
            `libraries[loopback][download][url] = ${library.origin}/libs/to-loopback`,
            `libraries[metadata][download][url] = ${library.origin}/libs/to-metadata`,
            `libraries[lib][download][url] = ${library.origin}/libs/lib.zip`,
            `libraries[lib][download][sha256] = ${declared}`,
            '',
          ].join('\n'),
        ),
      );
      const error: string = release.distribution.error;
      const lines = error.split('\n');
      expect(lines[0]).toBe('refused: The make file breaks 4 rules:');
      const insidePort = (inside.address() as AddressInfo).port;
      expect(lines[1]).toBe(
        `  drupal-org.make:4: The download ${library.origin}/libs/to-inside: the redirect to http://127.0.0.1:${insidePort}/latest/meta-data/ must use https (rule url_not_https).`,
      );
      expect(lines[2]).toMatch(
        new RegExp(
          `^  drupal-org\\.make:5: The download ${library.origin}/libs/to-loopback: the redirect to https://127\\.0\\.0\\.1:${insidePort}/latest/meta-data/ is refused: 127\\.0\\.0\\.1 is a loopback address.* \\(rule address_forbidden\\)\\.$`,
        ),
      );
      expect(lines[3]).toMatch(
        /^ {2}drupal-org\.make:6: The download .*\/libs\/to-metadata: the redirect to https:\/\/169\.254\.169\.254\/latest\/meta-data\/ is refused: 169\.254\.169\.254 is a .* address.* \(rule address_forbidden\)\.$/,
      );
      expect(lines[4]).toBe(
        `  drupal-org.make:7: The download ${library.origin}/libs/lib.zip: has sha256 ${sha256(LIB_ZIP)}, the make file declares ${declared} (rule checksum_mismatch). (rule make_file_policy)`,
      );
      expect(insideHits).toBe(0);
      await expectNothingBuilt(release);
    },
  );

  it('fails on a patch that does not apply, naming the patch and the project', async () => {
    const release = await build(
      profileFiles(
        'drupal-org.make',
        [
          'api = 2',
          'core = 10.x',
          'projects[drupal][version] = 10.2.1',
          'projects[token][version] = 1.14.0',
          `projects[token][patch][] = ${library.origin}/patches/views-title.patch`,
          '',
        ].join('\n'),
      ),
    );
    expect(release.distribution.error).toMatch(
      new RegExp(
        `^refused: patch ${library.origin}/patches/views-title\\.patch \\(drupal-org\\.make:5\\) does not apply to project 'token': .*src/ViewsTitle\\.php.* \\(rule patch_does_not_apply\\)$`,
      ),
    );
    await expectNothingBuilt(release);
  });

  it('queues a failed build again for its maintainers', async () => {
    const version = `1.0.${tag}`;
    const failed = (await anonymous('GET', `/api/v1/projects/atrium/releases/${version}`)).body.distribution;
    expect(failed.status).toBe('failed');
    const bob = await signUp(stack, 'bob');
    expect((await bob('POST', `/api/v1/projects/atrium/releases/${version}/distribution/retry`)).status).toBe(403);
    const retried = await alice('POST', `/api/v1/projects/atrium/releases/${version}/distribution/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body).toEqual({ status: 'queued', error: null, waitingFor: [], componentsInsecure: [] });
    // The tag did not change: the same patch fails the same way.
    const release = await distributionOf(anonymous, 'atrium', version);
    expect(release.distribution.status).toBe('failed');
    expect(release.distribution.error).toBe(failed.error);
    expect((await alice('POST', '/api/v1/projects/views/releases/8.x-3.18/distribution/retry')).status).toBe(409);
  });

  it('refuses a component whose stored bytes are not the ones the index holds the sha256 of', async () => {
    await publishProject(alice, 'ctools', 'module', [{ tag: '4.0.0', files: { 'ctools.info.yml': 'name: Ctools\n' } }]);
    const { storageKey } = await stack.registry.db
      .selectFrom('releaseFiles')
      .select('storageKey')
      .where('name', '=', 'ctools-4.0.0.tar.gz')
      .executeTakeFirstOrThrow();
    const tampered = archiveOf('tar.gz', { 'ctools/ctools.info.yml': 'name: Ctools\nversion: evil\n' });
    await stack.registry.storage.upload(storageKey, 'ctools-4.0.0.tar.gz', Readable.from([tampered]));
    const indexed = (await anonymous('GET', '/api/v1/projects/ctools/releases/4.0.0')).body.files[0].sha256;
    const release = await build(
      profileFiles(
        'drupal-org.make',
        ['api = 2', 'core = 10.x', 'projects[drupal][version] = 10.2.1', 'projects[ctools][version] = 4.0.0', ''].join(
          '\n',
        ),
      ),
    );
    expect(release.distribution.error).toBe(
      `refused: ctools-4.0.0.tar.gz read from storage has sha256 ${sha256(tampered)}, the index says ${indexed} ` +
        '(rule component_checksum_mismatch)',
    );
    await expectNothingBuilt(release);
  });
});

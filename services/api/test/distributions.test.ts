import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  client,
  COMMIT_TIME,
  readTarGz,
  readZip,
  removeRepos,
  signUp,
  startStack,
  type ArchiveEntry,
  type Stack,
} from '@packhouse/testing';
import { child, parseXml, readLikeDrupal } from '@packhouse/testing/update-status';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  archiveOf,
  CORE_FILES,
  distributionOf,
  profileFiles,
  publishProject,
  sha256,
  startLibraryServer,
  THEME_FILES,
  TOKEN_FILES,
  VIEWS_FILES,
  VIEWS_PATCH,
  type LibraryServer,
} from './distribution-fixtures.ts';

type Api = ReturnType<typeof client>;

const CHOSEN_ZIP = archiveOf('zip', { 'chosen/chosen.jquery.js': '/* chosen 1.8 */\n', 'chosen/LICENSE.md': 'MIT\n' });
const PURIFY_TGZ = archiveOf('tar.gz', {
  'dist/purify.min.js': '/* purify */\n',
  'src/purify.js': '// source\n',
  'README.md': '# DOMPurify\n',
});
const MARKED_JS = Buffer.from('/* marked.min.js */\n');

function iniMakeFile(origin: string): { main: string; libraries: string } {
  return {
    main: [
      '; Atrium: a test distribution',
      'api = 2',
      'core = 10.x',
      'includes[] = make/libraries.make',
      'defaults[projects][subdir] = contrib',
      '',
      'projects[drupal][type] = core',
      'projects[drupal][version] = 10.2.1',
      '',
      'projects[views][version] = 8.x-3.18',
      `projects[views][patch][title][url] = ${origin}/patches/views-title.patch`,
      `projects[views][patch][title][sha256] = ${sha256(VIEWS_PATCH)}`,
      'projects[token] = 1.14.0',
      'projects[olivero_plus][type] = theme',
      'projects[olivero_plus][version] = 1.0.0',
      '',
    ].join('\n'),
    libraries: [
      'libraries[chosen][download][type] = file',
      `libraries[chosen][download][url] = ${origin}/libs/chosen-1.8.zip`,
      `libraries[chosen][download][sha256] = ${sha256(CHOSEN_ZIP)}`,
      'libraries[dompurify][download][type] = file',
      `libraries[dompurify][download][url] = ${origin}/libs/dompurify.tar.gz`,
      'libraries[dompurify][download][subtree] = dist',
      `libraries[marked][download][url] = ${origin}/libs/marked.min.js`,
      'libraries[marked][destination] = libraries/js',
      '',
    ].join('\n'),
  };
}

function yamlMakeFile(origin: string): { main: string; libraries: string } {
  return {
    main: `# Atrium: a test distribution
api: 2
core: 10.x
includes:
  - make/libraries.make.yml
defaults:
  projects:
    subdir: contrib
projects:
  drupal:
    type: core
    version: 10.2.1
  views:
    version: 8.x-3.18
    patch:
      title:
        url: ${origin}/patches/views-title.patch
        sha256: ${sha256(VIEWS_PATCH)}
  token: 1.14.0
  olivero_plus:
    type: theme
    version: 1.0.0
`,
    libraries: `libraries:
  chosen:
    download:
      type: file
      url: ${origin}/libs/chosen-1.8.zip
      sha256: ${sha256(CHOSEN_ZIP)}
  dompurify:
    download:
      type: file
      url: ${origin}/libs/dompurify.tar.gz
      subtree: dist
  marked:
    download:
      url: ${origin}/libs/marked.min.js
    destination: libraries/js
`,
  };
}

/** path inside the top folder → entry, for comparing trees. */
function byPath(entries: ArchiveEntry[], top: string): Map<string, ArchiveEntry> {
  return new Map(
    entries.map((entry) => {
      expect(entry.name.startsWith(`${top}/`), entry.name).toBe(true);
      return [entry.name.slice(top.length + 1), entry];
    }),
  );
}

describe('distribution builds: a make file becomes a complete, verifiable, downloadable site', () => {
  let stack: Stack;
  let library: LibraryServer;
  let admin: Api;
  let alice: Api;
  let anonymous: Api;
  let ini: any;
  let yaml: any;
  let cacheDir: string;
  const download = async (name: string) => {
    const response = await anonymous('GET', `/files/projects/${name}`);
    expect(response.status, name).toBe(200);
    return response.raw;
  };

  beforeAll(async () => {
    library = await startLibraryServer();
    library.files.set('/libs/chosen-1.8.zip', CHOSEN_ZIP);
    library.files.set('/libs/dompurify.tar.gz', PURIFY_TGZ);
    library.files.set('/libs/marked.min.js', MARKED_JS);
    library.files.set('/patches/views-title.patch', Buffer.from(VIEWS_PATCH));
    cacheDir = mkdtempSync(path.join(tmpdir(), 'packhouse-downloads-'));
    // The one setting that lets plain http reach loopback: this library server's origin only.
    stack = await startStack({ DOWNLOAD_INSECURE_ORIGINS: library.origin, DISTRIBUTION_CACHE_DIR: cacheDir });
    stack.startWorker();
    admin = client(stack.app, stack.adminToken);
    alice = await signUp(stack, 'alice');
    anonymous = client(stack.app);
    await admin('PUT', '/api/v1/admin/library-allowlist', {
      patterns: [`^${library.origin.replace(/[.]/g, '\\.')}/(libs|patches)/`],
    });

    // core: administrators only
    await publishProject(client(stack.app, stack.adminToken), 'drupal', 'core', [{ tag: '10.2.1', files: CORE_FILES }]);
    await publishProject(alice, 'views', 'module', [{ tag: '8.x-3.18', files: VIEWS_FILES }]);
    await publishProject(alice, 'token', 'module', [{ tag: '1.14.0', files: TOKEN_FILES }]);
    await publishProject(alice, 'olivero_plus', 'theme', [{ tag: '1.0.0', files: THEME_FILES }]);

    const iniFiles = iniMakeFile(library.origin);
    const yamlFiles = yamlMakeFile(library.origin);
    await publishProject(alice, 'atrium', 'distribution', [
      {
        tag: '1.0.0',
        files: profileFiles('drupal-org.make', iniFiles.main, { 'make/libraries.make': iniFiles.libraries }),
      },
      {
        tag: '1.0.1',
        files: profileFiles('drupal-org.make.yml', yamlFiles.main, { 'make/libraries.make.yml': yamlFiles.libraries }),
      },
      {
        // Core pinned in a make file of its own.
        tag: '1.0.2',
        files: profileFiles('drupal-org.make', 'api = 2\ncore = 10.x\nprojects[token][version] = 1.14.0\n', {
          'drupal-org-core.make':
            'api = 2\ncore = 10.x\nprojects[drupal][type] = core\nprojects[drupal][version] = 10.2.1\n',
        }),
      },
    ]);
    ini = await distributionOf(anonymous, 'atrium', '1.0.0');
    yaml = await distributionOf(anonymous, 'atrium', '1.0.1');
  });
  afterAll(async () => {
    await stack.close();
    library.close();
    removeRepos();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it(
    'publishes profile-only, -no-core and -core archives and the bill of ' +
      'materials, each with its variant and checksums',
    async () => {
      expect(ini.distribution).toEqual({ status: 'published', error: null, waitingFor: [], componentsInsecure: [] });
      const files = ini.files.map((f: any) => [f.name, f.variant, f.archiveType]).sort();
      expect(files).toEqual([
        ['atrium-1.0.0-core.tar.gz', 'full', 'tar.gz'],
        ['atrium-1.0.0-core.zip', 'full', 'zip'],
        ['atrium-1.0.0-no-core.tar.gz', 'projects', 'tar.gz'],
        ['atrium-1.0.0-no-core.zip', 'projects', 'zip'],
        ['atrium-1.0.0.cdx.json', 'sbom', 'cdx.json'],
        ['atrium-1.0.0.tar.gz', 'profile-only', 'tar.gz'],
        ['atrium-1.0.0.zip', 'profile-only', 'zip'],
      ]);
      for (const file of ini.files) {
        const bytes = await download(file.name);
        expect(bytes.length).toBe(file.size);
        expect(sha256(bytes)).toBe(file.sha256);
      }
      expect((await anonymous('GET', '/files/projects/atrium-1.0.0.cdx.json')).headers['content-type']).toBe(
        'application/vnd.cyclonedx+json',
      );
    },
  );

  it(
    'unpacks -core into an installable site: core at the top, the profile ' +
      'with its projects, patches and libraries',
    async () => {
      const top = 'atrium-1.0.0';
      const tar = byPath(await readTarGz(await download('atrium-1.0.0-core.tar.gz')), top);
      const text = (path: string) => tar.get(path)?.content.toString('utf8');
      expect(text('index.php')).toBe(CORE_FILES['index.php']);
      expect(text('core/lib/Drupal.php')).toBe(CORE_FILES['core/lib/Drupal.php']);
      // Each project's info file carries its own release's stamp, from its own archive.
      expect(text('core/modules/system/system.info.yml')).toContain("version: '10.2.1'");
      expect(text('profiles/atrium/atrium.info.yml')).toContain("version: '1.0.0'\nproject: 'atrium'");
      expect(text('profiles/atrium/atrium.profile')).toBe('<?php\n');
      expect(text('profiles/atrium/modules/contrib/views/views.info.yml')).toContain(
        "version: '8.x-3.18'\nproject: 'views'",
      );
      expect(text('profiles/atrium/modules/contrib/views/src/ViewsTitle.php')).toBe(
        "<?php\nconst TITLE = 'Patched title';\n",
      );
      expect(text('profiles/atrium/modules/contrib/token/token.info.yml')).toContain("version: '1.14.0'");
      expect(text('profiles/atrium/themes/contrib/olivero_plus/css/style.css')).toBe('body {}\n');
      // A zip holding one folder is that folder; a subtree keeps only itself; a plain file keeps its name.
      expect(text('profiles/atrium/libraries/chosen/chosen.jquery.js')).toBe('/* chosen 1.8 */\n');
      expect(text('profiles/atrium/libraries/dompurify/purify.min.js')).toBe('/* purify */\n');
      expect(tar.has('profiles/atrium/libraries/dompurify/src/purify.js')).toBe(false);
      expect(text('profiles/atrium/libraries/js/marked/marked.min.js')).toBe(MARKED_JS.toString());
      for (const entry of tar.values()) {
        expect(entry.mtime).toBe(COMMIT_TIME); // the distribution tag's commit time
        expect([entry.uid, entry.gid, entry.uname, entry.gname]).toEqual([0, 0, '', '']);
        expect([0o755, 0o644, 0o777]).toContain(entry.mode);
      }
      // Sorted by path, bytewise: reproducible.
      const names = [...tar.keys()];
      expect(names).toEqual([...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));

      const zip = byPath(await readZip(await download('atrium-1.0.0-core.zip')), top);
      expect([...zip.keys()]).toEqual(names);
      for (const [path, entry] of tar) expect(zip.get(path)!.content.equals(entry.content), path).toBe(true);
    },
  );

  it(
    'unpacks -no-core into the profile with its projects and libraries, ' + 'exactly the -core profile folder',
    async () => {
      const core = byPath(await readTarGz(await download('atrium-1.0.0-core.tar.gz')), 'atrium-1.0.0');
      const profileOnly = [...core]
        .filter(([path]) => path.startsWith('profiles/atrium/'))
        .map(([path, entry]) => [path.slice('profiles/atrium/'.length), entry.content.toString('base64')]);
      for (const name of ['atrium-1.0.0-no-core.tar.gz', 'atrium-1.0.0-no-core.zip']) {
        const bytes = await download(name);
        const entries = byPath(name.endsWith('.zip') ? await readZip(bytes) : await readTarGz(bytes), 'atrium');
        expect([...entries].map(([path, entry]) => [path, entry.content.toString('base64')])).toEqual(profileOnly);
        expect(entries.has('index.php')).toBe(false);
      }
    },
  );

  it('builds the same site from the INI and the YAML make file', async () => {
    const site = async (version: string) => {
      const entries = byPath(await readTarGz(await download(`atrium-${version}-core.tar.gz`)), `atrium-${version}`);
      // The profile's own files differ (its version stamp, the make files themselves); everything it bundles must not.
      return [...entries]
        .filter(([path]) => !/^profiles\/atrium\/(atrium\.info\.yml|drupal-org\.make(\.yml)?|make(\/.*)?)$/.test(path))
        .map(([path, entry]) => [path, entry.type, entry.mode, sha256(entry.content)]);
    };
    expect(yaml.distribution.status).toBe('published');
    const fromIni = await site('1.0.0');
    expect(fromIni.length).toBeGreaterThan(25);
    expect(await site('1.0.1')).toEqual(fromIni);
  });

  it('takes core from drupal-org-core.make when the profile has one', async () => {
    const core = await distributionOf(anonymous, 'atrium', '1.0.2');
    expect(core.distribution.status).toBe('published');
    const entries = byPath(await readTarGz(await download('atrium-1.0.2-core.tar.gz')), 'atrium-1.0.2');
    expect(entries.get('index.php')?.content.toString('utf8')).toBe(CORE_FILES['index.php']);
    expect(entries.has('profiles/atrium/modules/token/token.module')).toBe(true);
    const sbom = JSON.parse((await download('atrium-1.0.2.cdx.json')).toString('utf8'));
    const origin = (name: string) =>
      sbom.components.find((c: any) => c.name === name).properties.find((p: any) => p.name === 'packhouse:make-file')
        .value;
    expect([origin('drupal'), origin('token')]).toEqual(['drupal-org-core.make:3', 'drupal-org.make:3']);
  });

  it('lists every component in a CycloneDX 1.5 bill of materials that matches the bytes', async () => {
    const sbom = JSON.parse((await download('atrium-1.0.0.cdx.json')).toString('utf8'));
    expect(sbom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.5', version: 1 });
    expect(sbom.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sbom.metadata.component).toMatchObject({ name: 'atrium', version: '1.0.0' });
    const property = (component: any, name: string) => component.properties.find((p: any) => p.name === name)?.value;
    const summary = sbom.components.map((c: any) => [
      property(c, 'packhouse:kind'),
      c.name,
      c.version ?? null,
      property(c, 'packhouse:make-file'),
    ]);
    expect(summary).toEqual([
      ['core', 'drupal', '10.2.1', 'drupal-org.make:7'],
      ['project', 'olivero_plus', '1.0.0', 'drupal-org.make:14'],
      ['project', 'token', '1.14.0', 'drupal-org.make:13'],
      ['project', 'views', '8.x-3.18', 'drupal-org.make:10'],
      ['library', 'chosen', null, 'make/libraries.make:1'],
      ['library', 'dompurify', null, 'make/libraries.make:4'],
      ['library', 'marked', null, 'make/libraries.make:7'],
      ['patch', 'title', null, 'drupal-org.make:11'],
    ]);
    const hash = (c: any) => c.hashes.find((h: any) => h.alg === 'SHA-256').content;
    // Projects: the sha256 of the very archive Packhouse published for that release.
    for (const [name, version] of [
      ['drupal', '10.2.1'],
      ['views', '8.x-3.18'],
      ['token', '1.14.0'],
      ['olivero_plus', '1.0.0'],
    ]) {
      const release = (await anonymous('GET', `/api/v1/projects/${name}/releases/${version}`)).body;
      const tarball = release.files.find((f: any) => f.archiveType === 'tar.gz');
      const component = sbom.components.find((c: any) => c.name === name);
      expect(hash(component)).toBe(tarball.sha256);
      expect(sha256(await download(tarball.name))).toBe(hash(component));
      expect(component.externalReferences[0].url).toBe(tarball.url);
    }
    // Libraries and patches: the sha256 of the bytes their URLs serve.
    const served: Array<[string, string]> = [
      ['chosen', '/libs/chosen-1.8.zip'],
      ['dompurify', '/libs/dompurify.tar.gz'],
      ['marked', '/libs/marked.min.js'],
      ['title', '/patches/views-title.patch'],
    ];
    for (const [name, path] of served) {
      const component = sbom.components.find((c: any) => c.name === name);
      expect(hash(component)).toBe(sha256(library.files.get(path)!));
      expect(component.externalReferences[0].url).toBe(`${library.origin}${path}`);
    }
    const views = sbom.components.find((c: any) => c.name === 'views');
    expect(views.pedigree.patches).toEqual([
      { type: 'unofficial', diff: { url: `${library.origin}/patches/views-title.patch` } },
    ]);
    expect(hash(sbom.metadata.component)).toBe(ini.files.find((f: any) => f.name === 'atrium-1.0.0.tar.gz').sha256);
  });

  it('offers Composer the profile zip once per release, not its site variants', async () => {
    const p2 = await anonymous('GET', '/composer/p2/drupal/atrium.json');
    expect(p2.status).toBe(200);
    const versions = p2.body.packages['drupal/atrium'].map((v: any) => [v.version, v.dist?.url]);
    expect(versions.filter(([version]: [string]) => version === '1.0.0')).toEqual([
      ['1.0.0', 'http://packhouse.test/files/projects/atrium-1.0.0.zip'],
    ]);
  });

  it('lists the variants in the update feed as updates.drupal.org did', async () => {
    const feed = (await anonymous('GET', '/release-history/atrium/current')).raw.toString('utf8');
    const release = feed.slice(feed.indexOf('<version>1.0.0</version>'));
    const first = release.slice(0, release.indexOf('</release>'));
    expect(first).toContain('<download_link>http://packhouse.test/files/projects/atrium-1.0.0.tar.gz</download_link>');
    const files = [...first.matchAll(/<file>(.*?)<\/file>/gs)].map((m) => [
      /<url>(.*?)<\/url>/.exec(m[1]!)![1],
      /<variant>(.*?)<\/variant>/.exec(m[1]!)?.[1] ?? null,
    ]);
    expect(files).toEqual([
      ['http://packhouse.test/files/projects/atrium-1.0.0.tar.gz', null],
      ['http://packhouse.test/files/projects/atrium-1.0.0.zip', null],
      ['http://packhouse.test/files/projects/atrium-1.0.0-core.tar.gz', 'full'],
      ['http://packhouse.test/files/projects/atrium-1.0.0-core.zip', 'full'],
      ['http://packhouse.test/files/projects/atrium-1.0.0-no-core.tar.gz', 'projects'],
      ['http://packhouse.test/files/projects/atrium-1.0.0-no-core.zip', 'projects'],
    ]);
    // Every <file> is an archive a client may pick by its variant and unpack: the bill of
    // materials is not one of them (the Atom feeds and the release JSON link it).
    expect(feed).not.toContain('.cdx.json');
    const drupal = readLikeDrupal(feed).releases.get('1.0.0')!;
    expect(drupal.fields.download_link).toBe('http://packhouse.test/files/projects/atrium-1.0.0.tar.gz');
  });

  it('links the bill of materials from both Atom feeds, beside the archives as enclosures', async () => {
    for (const url of ['/project/atrium/releases.atom', '/feeds/releases.atom']) {
      const feed = parseXml((await anonymous('GET', url)).raw.toString('utf8'));
      const entry = feed.children.find(
        (node) => node.name === 'entry' && child(node, 'id')?.text === 'urn:packhouse:release:atrium:1.0.0',
      )!;
      const links = entry.children.filter((node) => node.name === 'link');
      expect(
        links.filter((link) => link.attributes.rel === 'related').map((link) => link.attributes),
        url,
      ).toEqual([
        {
          rel: 'related',
          type: 'application/vnd.cyclonedx+json',
          title: 'CycloneDX bill of materials',
          href: 'http://packhouse.test/files/projects/atrium-1.0.0.cdx.json',
        },
      ]);
      const enclosures = links.filter((link) => link.attributes.rel === 'enclosure').map((l) => l.attributes.href);
      expect(enclosures.sort()).toEqual(
        ini.files
          .filter((f: any) => f.variant !== 'sbom')
          .map((f: any) => f.url)
          .sort(),
      );
    }
  });

  it(
    'records components: used-by lists the distributions bundling a ' +
      'project, and an insecure release shows on them',
    async () => {
      const usedBy = await anonymous('GET', '/api/v1/projects/views/used-by');
      expect(usedBy.status).toBe(200);
      expect(usedBy.body).toEqual({
        project: 'views',
        usedBy: [
          { distribution: 'atrium', version: '1.0.1', componentVersion: '8.x-3.18', componentInsecure: false },
          { distribution: 'atrium', version: '1.0.0', componentVersion: '8.x-3.18', componentInsecure: false },
        ],
      });
      expect((await alice('PATCH', '/api/v1/projects/views/releases/8.x-3.18', { insecure: true })).status).toBe(200);
      const release = (await anonymous('GET', '/api/v1/projects/atrium/releases/1.0.0')).body;
      expect(release.distribution.componentsInsecure).toEqual([{ project: 'views', version: '8.x-3.18' }]);
      expect((await anonymous('GET', '/api/v1/projects/views/used-by')).body.usedBy[0].componentInsecure).toBe(true);
      expect((await anonymous('GET', '/api/v1/projects/nope/used-by')).status).toBe(404);
      const retry = await alice('POST', '/api/v1/projects/atrium/releases/1.0.0/distribution/retry');
      expect(retry.status).toBe(409);
      expect(retry.body.error.message).toBe(
        'The distribution build of atrium 1.0.0 is published; only a failed one can be retried.',
      );
    },
  );

  it('downloads a library with a declared sha256 once: the next build takes it from the cache', () => {
    expect(library.hits.get('/libs/chosen-1.8.zip')).toBe(1);
    expect(library.hits.get('/patches/views-title.patch')).toBe(1);
    // No sha256 declared: nothing to look up in the cache by, so each build downloads it.
    expect(library.hits.get('/libs/marked.min.js')).toBe(2);
  });

  it('keeps the library allowlist for administrators and publishes it', async () => {
    expect((await alice('GET', '/api/v1/admin/library-allowlist')).status).toBe(403);
    expect((await alice('PUT', '/api/v1/admin/library-allowlist', { patterns: ['^https://x/'] })).body.error).toEqual({
      code: 'forbidden',
      message: 'Only an administrator can manage the library allowlist.',
    });
    const bad = await admin('PUT', '/api/v1/admin/library-allowlist', {
      patterns: ['https://github\\.com/', '^https://(x/'],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toMatch(
      /^The allowlist was not changed: pattern 1 \("https:\/\/github\\\\.com\/"\) must be anchored at the start with \^; pattern 2 .* is not a valid regular expression/,
    );
    const current = (await admin('GET', '/api/v1/admin/library-allowlist')).body;
    expect(current.patterns).toHaveLength(1);
    const published = await anonymous('GET', '/packaging-allowlist.json');
    expect(published.status).toBe(200);
    expect(published.body).toEqual(current);
  });
  it('builds the same bytes again: every site archive and the bill of materials are reproducible', async () => {
    const variants = (release: any) =>
      release.files
        .filter((f: any) => f.variant !== 'profile-only')
        .map((f: any) => [f.name, f.size, f.sha256])
        .sort();
    const before = variants(ini);
    // Forget the published build (its rows; its objects stay under keys of their own) and run it again.
    const { db } = stack.registry;
    const { id } = await db
      .selectFrom('releases as r')
      .innerJoin('projects as p', 'p.id', 'r.projectId')
      .select('r.id')
      .where('p.name', '=', 'atrium')
      .where('r.version', '=', '1.0.0')
      .executeTakeFirstOrThrow();
    await db.transaction().execute(async (tx) => {
      await tx.deleteFrom('releaseFiles').where('releaseId', '=', id).where('variant', 'is not', null).execute();
      await tx.deleteFrom('distributionComponents').where('releaseId', '=', id).execute();
      await tx.updateTable('distributionBuilds').set({ status: 'failed' }).where('releaseId', '=', id).execute();
    });
    expect((await alice('POST', '/api/v1/projects/atrium/releases/1.0.0/distribution/retry')).status).toBe(202);
    const rebuilt = await distributionOf(anonymous, 'atrium', '1.0.0');
    expect(rebuilt.distribution.status).toBe('published');
    expect(variants(rebuilt)).toEqual(before);
  });
});

import { client, createRepo, eventually, signUp, startStack, type Stack, type TestRepo } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionClient } from './session-client.ts';

const HOSTILE_TITLE = '<script>alert("title")</script> & "Friends"';
const README = `# Hostile module

A module whose README tries everything: <script>alert('readme')</script> and more words about zebrafish.

<img src="x" onerror="alert('img')">
<a href="javascript:alert('link')">click</a>
<iframe src="https://evil.example"></iframe>
<form action="https://evil.example"><input name="x"></form>
<p style="background:url(javascript:alert(1))" onclick="alert(2)">styled</p>

- **bold** item
- [a safe link](https://example.org/docs)

\`\`\`php
<?php echo "code"; ?>
\`\`\`
`;

describe('pages for people: every page, its headers, and escaping', () => {
  let stack: Stack;
  let repo: TestRepo;
  let alice: ReturnType<typeof client>;
  const anonymous = () => new SessionClient(stack.app);

  beforeAll(async () => {
    stack = await startStack();
    stack.startWorker();
    alice = await signUp(stack, 'alice');
    repo = await createRepo({
      'hostile.info.yml': 'name: Hostile\ntype: module\ncore_version_requirement: ^10 || ^11\n',
      'README.md': README,
    });
    repo.tag('1.0.0');
    repo.tag('1.0.1');
    expect(
      (
        await alice('POST', '/api/v1/projects', {
          name: 'hostile',
          title: HOSTILE_TITLE,
          type: 'module',
          gitUrl: repo.url,
        })
      ).status,
    ).toBe(201);
    for (const tag of ['1.0.0', '1.0.1']) await alice('POST', '/api/v1/projects/hostile/releases', { tag });
    await eventually(async () => {
      const { body } = await alice('GET', '/api/v1/projects/hostile');
      return body.releases.every((r: { status: string }) => r.status === 'published') ? true : undefined;
    });
    for (let i = 1; i <= 25; i++) {
      await alice('POST', '/api/v1/projects', {
        name: `lighthouse_${i}`,
        title: `Lighthouse keeper ${i}`,
        type: 'module',
        gitUrl: `file:///srv/l${i}.git`,
      });
    }
  }, 60_000);
  afterAll(() => stack.close());

  function expectPageHeaders(response: { status: number; headers: Record<string, unknown>; text: string }) {
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('public, max-age=0, must-revalidate');
    expect(response.headers.etag).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    expect(response.headers.vary).toBe('Cookie');
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    expect(Buffer.byteLength(response.text)).toBeLessThan(100 * 1024);
  }

  const PROJECT_ATOM = '/project/hostile/releases.atom';
  it.each([
    ['/', 'http://packhouse.test/', '/feeds/releases.atom'],
    ['/project/hostile', 'http://packhouse.test/project/hostile', PROJECT_ATOM],
    ['/project/hostile/releases', 'http://packhouse.test/project/hostile/releases', PROJECT_ATOM],
    [
      '/project/hostile/releases?branch=1.0.',
      'http://packhouse.test/project/hostile/releases?branch=1.0.',
      PROJECT_ATOM,
    ],
    ['/project/hostile/releases/1.0.1', 'http://packhouse.test/project/hostile/releases/1.0.1', PROJECT_ATOM],
    ['/search?q=lighthouse', 'http://packhouse.test/search?q=lighthouse', null],
  ])(
    '%s: 200, HTML, canonical URL, Atom link, caching headers, 304 on its ETag, under 100 KB with its CSS',
    async (path, canonical, atom) => {
      const browser = anonymous();
      const response = await browser.get(path);
      expectPageHeaders(response);
      expect(response.text).toContain(`<link rel="canonical" href="${canonical.replace(/&/g, '&amp;')}">`);
      const feeds = [
        ...response.text.matchAll(/<link rel="alternate" type="application\/atom\+xml" [^>]*href="([^"]+)">/g),
      ];
      expect(feeds.map((feed) => feed[1])).toEqual(atom ? [atom] : []);
      if (atom) expect((await browser.get(atom)).status).toBe(200);
      const stylesheet = /<link rel="stylesheet" href="([^"]+)">/.exec(response.text)![1]!;
      const css = await browser.get(stylesheet);
      expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(Buffer.byteLength(response.text) + Buffer.byteLength(css.text)).toBeLessThan(100 * 1024);
      const again = await browser.get(path, { 'if-none-match': String(response.headers.etag) });
      expect(again.status).toBe(304);
      expect(again.text).toBe('');
    },
  );

  it(
    'escapes a hostile title and sanitises the README: no script, handler, ' +
      'iframe, form or javascript: URL survives',
    async () => {
      for (const path of [
        '/project/hostile',
        '/project/hostile/releases',
        '/project/hostile/releases/1.0.1',
        '/search?q=zebrafish',
        '/',
      ]) {
        const { text } = await anonymous().get(path);
        const withoutOwnScript = text.replace(/<script src="\/static\/copy\.[0-9a-f]{12}\.js" defer><\/script>/, '');
        expect(withoutOwnScript, path).not.toMatch(/<script/i);
        expect(text, path).not.toMatch(/onerror|onclick|<iframe|javascript:|<form action="https:\/\/evil/i);
      }
      const { text } = await anonymous().get('/project/hostile');
      expect(text).toContain('&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt; &amp; &quot;Friends&quot;');
      expect(text).toContain('<h3>Hostile module</h3>'); // the README's h1, under the page's own headings
      expect(text).toContain('<strong>bold</strong>');
      expect(text).toContain('<a href="https://example.org/docs" rel="nofollow ugc noopener">a safe link</a>');
      expect(text).toContain('<pre><code class="language-php">&lt;?php echo "code"; ?&gt;');
    },
  );

  it(
    'shows downloads per branch, the composer line, maintainers, security ' +
      'coverage, usage and feed links on the project page',
    async () => {
      const { text } = await anonymous().get('/project/hostile');
      expect(text).toContain('href="http://packhouse.test/files/projects/hostile-1.0.1.tar.gz"');
      expect(text).toContain('href="http://packhouse.test/files/projects/hostile-1.0.1.zip"');
      expect(text).toContain('Recommended: <a href="/project/hostile/releases/1.0.1">1.0.1</a>');
      expect(text).toContain('<code>composer require drupal/hostile</code>');
      expect(text).toContain('<li>alice</li>');
      expect(text).toContain('Not covered by the security advisory policy');
      expect(text).toContain('<link rel="alternate" type="application/atom+xml"');
      expect(text).toContain('href="/project/hostile/releases.atom"');
      expect((await anonymous().get('/project/hostile/releases.atom')).status).toBe(200);
      expect((await anonymous().get('/feeds/releases.atom')).status).toBe(200);
      expect(text).toContain('No site has reported using it');
    },
  );

  it('draws weekly usage by major as an SVG with a data table', async () => {
    await alice('GET', '/release-history/hostile/current?site_key=site-a&version=1.0.0');
    await alice('GET', '/release-history/hostile/current?site_key=site-b&version=1.0.1');
    await eventually(async () =>
      (await alice('GET', '/api/v1/projects/hostile/usage')).body.weeks?.[0]?.sites === 2 ? true : undefined,
    );
    // The usage flush sends no notification: a signed-in view renders fresh.
    const maintainer = anonymous();
    await maintainer.signIn(
      (await client(stack.app, stack.adminToken)('POST', '/api/v1/users', { name: 'usage_viewer' })).body.token,
    );
    const { text } = await maintainer.get('/project/hostile');
    expect(text).toMatch(/<svg viewBox="0 0 640 220" role="img" aria-hidden="true"/);
    expect(text).toMatch(/<table><caption class="sr-only">Sites reporting .* per week, by major version<\/caption>/);
    expect(text).toMatch(/<th scope="col">1<\/th>/);
    expect(text).toMatch(/<tr><th scope="row">\d{4}-W\d{2}<\/th><td>2<\/td><\/tr><\/tbody>/);
    const home = await maintainer.get('/');
    expect(home.text).toContain(
      '<ol><li><a href="/project/hostile">&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt; &amp; &quot;Friends&quot;</a> <span class="muted">2 sites</span></li></ol>',
    );
    expect(home.text).toMatch(
      /<h2 id="newest">Newest releases<\/h2>\n\n<ul><li><a href="\/project\/hostile\/releases\/1\.0\.1">/,
    );
  });

  it('lists releases newest first with status, types, date and core compatibility, and filters by branch', async () => {
    await alice('PATCH', '/api/v1/projects/hostile/releases/1.0.0', { insecure: true, releaseTypes: ['security'] });
    const { text } = await anonymous().get('/project/hostile/releases');
    expect(text.indexOf('>1.0.1</a>')).toBeLessThan(text.indexOf('>1.0.0</a>'));
    expect(text).toMatch(
      />1\.0\.0<\/a><\/td><td><span class="badge published">published<\/span><span class="badge insecure">insecure<\/span><\/td><td>security<\/td>/,
    );
    expect(text).toContain('<code>^10 || ^11</code>');
    await alice('PUT', '/api/v1/projects/hostile/supported-branches', ['2.0.']);
    await alice('PATCH', '/api/v1/projects/hostile/releases/1.0.1', { status: 'unpublished' });
    expect((await anonymous().get('/project/hostile/releases')).text).toMatch(
      />1\.0\.1<\/a><\/td><td><span class="badge unpublished">unpublished<\/span><span class="badge unsupported">unsupported<\/span><\/td>/,
    );
    await alice('PATCH', '/api/v1/projects/hostile/releases/1.0.1', { status: 'published' });
    await alice('PUT', '/api/v1/projects/hostile/supported-branches', []);
    const missing = await anonymous().get('/project/hostile/releases?branch=9.9.');
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('hostile has no branch &quot;9.9.&quot;');
  });

  it('shows a release with its files, every checksum and a sha256sum -c line', async () => {
    const { body } = await alice('GET', '/api/v1/projects/hostile/releases/1.0.1');
    const tar = body.files.find((f: { archiveType: string }) => f.archiveType === 'tar.gz');
    const { text } = await anonymous().get('/project/hostile/releases/1.0.1');
    for (const algorithm of ['md5', 'sha1', 'sha256', 'sha512']) expect(text).toContain(`>${tar[algorithm]}</code>`);
    expect(text).toContain(`echo "${tar.sha256}  hostile-1.0.1.tar.gz" | sha256sum -c`);
    expect(text).toContain(body.commit);
    expect((await anonymous().get('/project/hostile/releases/9.9.9')).status).toBe(404);
  });

  it('pages a long release history 100 at a time, keeping the branch filter, each page under 100 KB', async () => {
    const db = stack.registry.db;
    const project = await db
      .selectFrom('projects')
      .select('id')
      .where('name', '=', 'lighthouse_1')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('releases')
      .values(
        Array.from({ length: 150 }, (_, i) => ({
          projectId: project.id,
          version: `1.0.${i}`,
          tag: `1.0.${i}`,
          status: 'failed' as const,
          error: 'tag "1.0.x" does not exist',
        })),
      )
      .execute();
    const versions = (text: string) =>
      [...text.matchAll(/<tr><td><a href="\/project\/lighthouse_1\/releases\/([^"]+)">/g)].map((m) => m[1]);
    const first = await anonymous().get('/project/lighthouse_1/releases?branch=1.0.');
    expect(versions(first.text)).toEqual(Array.from({ length: 100 }, (_, i) => `1.0.${149 - i}`));
    expect(first.text).toContain('href="/project/lighthouse_1/releases?branch=1.0.&amp;page=2" rel="next"');
    expect(Buffer.byteLength(first.text)).toBeLessThan(100 * 1024);
    const second = await anonymous().get('/project/lighthouse_1/releases?branch=1.0.&page=2');
    expect(second.text).toContain(
      '<link rel="canonical" href="http://packhouse.test/project/lighthouse_1/releases?branch=1.0.&amp;page=2">',
    );
    expect(versions(second.text)).toEqual(Array.from({ length: 50 }, (_, i) => `1.0.${49 - i}`));
    expect(second.text).toContain('Page 2 of 2');
    expect((await anonymous().get('/project/lighthouse_1/releases?page=3')).status).toBe(404);
  });

  it('searches name, title and the README description, ranked and paginated', async () => {
    const byReadme = await anonymous().get('/search?q=zebrafish');
    expect(byReadme.text).toContain('<a href="/project/hostile">');
    const all = await anonymous().get('/search?q=lighthouse');
    expect(all.text).toContain('25 projects match');
    expect(all.text.match(/<li><a href="\/project\/lighthouse_/g)).toHaveLength(20);
    expect(all.text).toContain('href="/search?q=lighthouse&amp;page=2" rel="next"');
    const second = await anonymous().get('/search?q=lighthouse&page=2');
    expect(second.text.match(/<li><a href="\/project\/lighthouse_/g)).toHaveLength(5);
    const exact = await anonymous().get('/search?q=lighthouse_7');
    expect(exact.text).toMatch(/<ol start="1"><li><a href="\/project\/lighthouse_7">/);
    expect((await anonymous().get('/search?q=')).status).toBe(200);
    expect((await anonymous().get('/search?page=0')).status).toBe(400);
  });

  it('answers unknown projects with an HTML 404 page', async () => {
    const response = await anonymous().get('/project/nope');
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.text).toContain('No project named &quot;nope&quot;.');
  });

  it('shows a change on the very next view: the page cache is evicted by the commit', async () => {
    const before = await anonymous().get('/project/hostile');
    await alice('PUT', '/api/v1/projects/hostile/supported-branches', ['1.0.']);
    await alice('PATCH', '/api/v1/projects/hostile', { securityCoverage: true });
    const after = await anonymous().get('/project/hostile');
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(after.text).toContain('Covered by the security advisory policy.');
  });

  it('stays fresh when its listener connection drops: pages are rendered from Postgres until it is back', async () => {
    await anonymous().get('/project/hostile');
    const { sql } = await import('kysely');
    const db = stack.registry.db;
    const { rows } = await sql<{
      ok: boolean;
    }>`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'packhouse-page-listener' AND datname = current_database()`.execute(
      db,
    );
    expect(rows).toHaveLength(1);
    await db
      .updateTable('projects')
      .set({ title: 'Renamed while the listener is down' })
      .where('name', '=', 'hostile')
      .execute();
    expect((await anonymous().get('/project/hostile')).text).toContain('<h1>Renamed while the listener is down</h1>');
    await db.updateTable('projects').set({ title: 'Renamed again' }).where('name', '=', 'hostile').execute();
    await eventually(
      async () =>
        (await anonymous().get('/project/hostile')).text.includes('<h1>Renamed again</h1>') ? true : undefined,
      10_000,
    );
  });

  it('lists published advisories on the project page, on the very next view', async () => {
    expect((await anonymous().get('/project/hostile')).text).toContain('No open advisories.');
    const published = await alice('POST', '/api/v1/projects/hostile/advisories', {
      title: 'Access bypass <script>alert(1)</script>',
      severity: 'high',
      affectedVersions: '<1.0.1',
      description: 'Fixed in 1.0.1.',
    });
    expect(published.status).toBe(201);
    const { text } = await anonymous().get('/project/hostile');
    expect(text).toContain(`${published.body.id}: Access bypass &lt;script&gt;alert(1)&lt;/script&gt;</a>`);
    expect(text).toContain('<span class="badge insecure">high</span>');
  });
});

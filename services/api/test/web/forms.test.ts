import { client, createRepo, eventually, startStack, type Stack, type TestRepo } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfOf, SessionClient } from './session-client.ts';

describe('maintainers in the browser: sign-in, CSRF, forms, offerings', () => {
  let stack: Stack;
  let admin: ReturnType<typeof client>;
  let aliceToken: string;
  let bobToken: string;
  let repo: TestRepo;

  beforeAll(async () => {
    stack = await startStack();
    stack.startWorker();
    admin = client(stack.app, stack.adminToken);
    aliceToken = (await admin('POST', '/api/v1/users', { name: 'alice' })).body.token;
    bobToken = (await admin('POST', '/api/v1/users', { name: 'bob' })).body.token;
    repo = await createRepo({
      'forms.info.yml': 'name: Forms\ntype: module\n',
      'README.md': 'A module made in a browser form.\n',
    });
    repo.tag('1.0.0');
    repo.tag('not-a-version');
  }, 60_000);
  afterAll(() => stack.close());

  it('signs in with an API token into an HttpOnly, SameSite=Lax session cookie (not Secure over http)', async () => {
    const browser = new SessionClient(stack.app);
    const form = await browser.get('/sign-in');
    expect(form.headers['set-cookie']?.[0]).toMatch(
      /^ph_csrf=[A-Za-z0-9_-]{32}; Path=\/; Max-Age=3600; HttpOnly; SameSite=Lax$/,
    );
    const wrong = await browser.request('POST', '/sign-in', { _csrf: csrfOf(form.text), token: 'ph_wrong' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('A valid bearer token is required.');
    const signedIn = await browser.request('POST', '/sign-in', { _csrf: csrfOf(form.text), token: aliceToken });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe('/account');
    const session = signedIn.headers['set-cookie']!.find((line) => line.startsWith('ph_session='))!;
    expect(session).toMatch(/^ph_session=phs_[A-Za-z0-9_-]{43}; Path=\/; Max-Age=1209600; HttpOnly; SameSite=Lax$/);
    const account = await browser.get('/account');
    expect(account.status).toBe(200);
    expect(account.headers['cache-control']).toBe('private, no-cache');
    expect(account.text).toContain('Signed in as alice');
    const rows = await stack.registry.db.selectFrom('sessions').select('tokenHash').execute();
    expect(rows.every((row) => !row.tokenHash.toString('utf8').includes(browser.cookies.get('ph_session')!))).toBe(
      true,
    );
  });

  it('refuses a sign-in post without the CSRF cookie it was given', async () => {
    const browser = new SessionClient(stack.app);
    const refused = await browser.request('POST', '/sign-in', {
      _csrf: 'forged-token-forged-token-forged1',
      token: aliceToken,
    });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('CSRF token is missing or does not match');
    expect(browser.cookies.has('ph_session')).toBe(false);
  });

  it('creates a project from the form, showing the webhook secret once, with the API rules and messages', async () => {
    const alice = new SessionClient(stack.app);
    await alice.signIn(aliceToken);
    const created = await alice.submit('/projects/new', '/projects/new', {
      name: 'forms',
      title: 'Forms',
      type: 'module',
      gitUrl: repo.url,
    });
    expect(created.status).toBe(200);
    expect(created.headers['cache-control']).toBe('private, no-cache');
    expect(created.text).toMatch(/<code class="secret">whsec_[A-Za-z0-9_-]{32}<\/code>/);
    const duplicate = await alice.submit('/projects/new', '/projects/new', {
      name: 'forms',
      title: 'Forms',
      type: 'module',
      gitUrl: repo.url,
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.text).toContain('A project named &quot;forms&quot; already exists.');
    const badUrl = await alice.submit('/projects/new', '/projects/new', {
      name: 'elsewhere',
      title: 'E',
      type: 'module',
      gitUrl: 'ext::sh -c touch% /tmp/pwned',
    });
    expect(badUrl.status).toBe(422);
    expect(badUrl.text).toContain('gitUrl:');
  });

  it('checks the CSRF token of every form before anything else, even before its fields', async () => {
    const alice = new SessionClient(stack.app);
    await alice.signIn(aliceToken);
    const forms = [
      '/sign-in',
      '/sign-in/link/phl_unknown',
      '/sign-out',
      '/sign-out/everywhere',
      '/account/sign-in-links',
      '/projects/new',
      '/project/forms/releases',
      '/project/forms/releases/1.0.0/retry',
      '/project/forms/releases/1.0.0/distribution/retry',
      '/project/forms/releases/1.0.0/support',
      '/project/forms/supported-branches',
      '/project/forms/webhook-secret',
      '/project/forms/maintainers',
      '/project/forms/maintainers/alice/remove',
      '/project/forms/offerings',
      '/project/forms/offerings/1',
      '/project/forms/offerings/1/delete',
    ];
    for (const path of forms) {
      for (const fields of [{}, { _csrf: 'x'.repeat(32) }] as Record<string, string>[]) {
        const refused = await alice.request('POST', path, fields);
        expect(refused.status, path).toBe(403);
        expect(refused.text, path).toContain('CSRF token is missing or does not match');
      }
    }
    expect((await alice.get('/account')).status).toBe(200); // still signed in
  });

  it('refuses every form posted without the session CSRF token, and changes nothing', async () => {
    const alice = new SessionClient(stack.app);
    await alice.signIn(aliceToken);
    const forged = await alice.request('POST', '/project/forms/releases', { tag: '1.0.0' });
    expect(forged.status).toBe(403);
    const wrong = await alice.request('POST', '/project/forms/maintainers', { _csrf: 'x'.repeat(32), user: 'bob' });
    expect(wrong.status).toBe(403);
    expect((await client(stack.app)('GET', '/api/v1/projects/forms')).body).toMatchObject({
      releases: [],
      maintainers: ['alice'],
    });
  });

  it('releases a tag from the form, and the release page shows it publish', async () => {
    const alice = new SessionClient(stack.app);
    await alice.signIn(aliceToken);
    const bad = await alice.submit('/project/forms/manage', '/project/forms/releases', { tag: 'not-a-version' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Tag &quot;not-a-version&quot;');
    const released = await alice.submit('/project/forms/manage', '/project/forms/releases', {
      tag: '1.0.0',
      releaseTypes: ['feature', 'bugfix'],
    });
    expect(released.status).toBe(303);
    expect(released.headers.location).toBe('/project/forms/releases/1.0.0');
    const page = await eventually(async () => {
      const response = await alice.get('/project/forms/releases/1.0.0');
      return response.text.includes('badge published') ? response : undefined;
    });
    expect(page.text).toContain('forms-1.0.0.tar.gz');
    expect(page.text).toContain('Maintain this release');
  });

  it('marks release types and insecure from the release page form', async () => {
    const alice = new SessionClient(stack.app);
    await alice.signIn(aliceToken);
    const saved = await alice.submit('/project/forms/releases/1.0.0', '/project/forms/releases/1.0.0/support', {
      releaseTypes: 'security',
      insecure: '1',
      status: 'published',
    });
    expect(saved.status).toBe(303);
    const support = await client(stack.app)('GET', '/release-history/forms/current');
    expect(support.raw.toString()).toContain('<value>Insecure</value>');
    expect((await alice.get('/project/forms/releases/1.0.0')).text).toContain('badge insecure');
  });

  it('shows a failed release with its error and retries it from the form', async () => {
    const alice = new SessionClient(stack.app);
    await alice.signIn(aliceToken);
    await client(stack.app, aliceToken)('POST', '/api/v1/projects/forms/releases', { tag: '1.0.9' }); // no such tag
    const failed = await eventually(async () => {
      const response = await alice.get('/project/forms/releases/1.0.9');
      return response.text.includes('Packaging failed') ? response : undefined;
    });
    expect(failed.text).toMatch(/Packaging failed: .*1\.0\.9/);
    expect((await alice.get('/project/forms/manage')).text).toContain('Failed releases');
    repo.tag('1.0.9');
    const retried = await alice.submit('/project/forms/releases/1.0.9', '/project/forms/releases/1.0.9/retry', {});
    expect(retried.status).toBe(303);
    await eventually(async () =>
      (await alice.get('/project/forms/releases/1.0.9')).text.includes('badge published') ? true : undefined,
    );
  });

  it('sets supported branches, rotates the webhook secret, adds and removes maintainers', async () => {
    const alice = new SessionClient(stack.app);
    await alice.signIn(aliceToken);
    const bad = await alice.submit('/project/forms/manage', '/project/forms/supported-branches', { branches: '1.0' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('is not a branch');
    const branches = await alice.submit('/project/forms/manage', '/project/forms/supported-branches', {
      branches: '1.0.',
    });
    expect(branches.headers.location).toBe('/project/forms/manage?done=branches');
    expect((await alice.get('/project/forms/manage?done=branches')).text).toContain('Supported branches saved.');
    expect((await client(stack.app)('GET', '/api/v1/projects/forms/support')).body.supportedBranches).toEqual(['1.0.']);

    const rotated = await alice.submit('/project/forms/manage', '/project/forms/webhook-secret', {});
    const secret = /<code class="secret">(whsec_[A-Za-z0-9_-]+)<\/code>/.exec(rotated.text)![1]!;
    const row = await stack.registry.db
      .selectFrom('projects')
      .select('webhookSecret')
      .where('name', '=', 'forms')
      .executeTakeFirstOrThrow();
    expect(row.webhookSecret).toBe(secret);
    expect((await alice.get('/project/forms/manage')).text).not.toContain(secret);

    expect(
      (await alice.submit('/project/forms/manage', '/project/forms/maintainers', { user: 'nobody' })).text,
    ).toContain('No user named &quot;nobody&quot;.');
    expect((await alice.submit('/project/forms/manage', '/project/forms/maintainers', { user: 'bob' })).status).toBe(
      303,
    );
    expect((await client(stack.app)('GET', '/api/v1/projects/forms')).body.maintainers).toEqual(['alice', 'bob']);
    expect((await alice.submit('/project/forms/manage', '/project/forms/maintainers/bob/remove', {})).status).toBe(303);
    const last = await alice.submit('/project/forms/manage', '/project/forms/maintainers/alice/remove', {});
    expect(last.status).toBe(409);
    expect(last.text).toContain('is the last owner of forms');
  });

  it('answers every maintainer page privately, with a canonical URL, an ETag and 304, under 100 KB', async () => {
    const alice = new SessionClient(stack.app);
    await alice.signIn(aliceToken);
    for (const [path, canonical] of [
      ['/sign-in', '/sign-in'],
      ['/account', '/account'],
      ['/projects/new', '/projects/new'],
      ['/project/forms/manage', '/project/forms/manage'],
    ]) {
      const page = await alice.get(path!);
      expect(page.status, path).toBe(200);
      expect(page.headers['cache-control'], path).toBe('private, no-cache');
      expect(page.headers.vary, path).toBe('Cookie');
      expect(page.text, path).toContain(`<link rel="canonical" href="http://packhouse.test${canonical}">`);
      expect(Buffer.byteLength(page.text), path).toBeLessThan(100 * 1024);
      const again = await alice.get(path!, { 'if-none-match': String(page.headers.etag) });
      expect(again.status, path).toBe(304);
    }
  });

  it('keeps non-maintainers out of the maintainer forms with the API message', async () => {
    const bob = new SessionClient(stack.app);
    await bob.signIn(bobToken);
    const manage = await bob.get('/project/forms/manage');
    expect(manage.status).toBe(403);
    expect(manage.text).toContain('Only maintainers of forms can do this.');
    const account = await bob.get('/account');
    const post = await bob.request('POST', '/project/forms/webhook-secret', { _csrf: csrfOf(account.text) });
    expect(post.status).toBe(403);
  });

  it(
    'manages offerings through the API and the forms; /go counts visits per ' + 'week without a cookie and redirects',
    async () => {
      const api = client(stack.app, aliceToken);
      const created = await api('POST', '/api/v1/projects/forms/offerings', {
        provider: 'Acme <b>Hosting</b>',
        kind: 'hosting',
        title: 'Managed hosting',
        url: 'https://acme.example/hosting',
        description: 'We run it.',
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        project: 'forms',
        kind: 'hosting',
        link: `http://packhouse.test/go/${created.body.id}`,
      });
      expect(
        (
          await api('POST', '/api/v1/projects/forms/offerings', {
            provider: 'X',
            kind: 'hosting',
            title: 'T',
            url: 'javascript:alert(1)',
          })
        ).body.error,
      ).toEqual({
        code: 'invalid',
        message: 'url: only http:// and https:// links can be offered, not javascript:',
      });
      expect(
        (
          await api('POST', '/api/v1/projects/forms/offerings', {
            provider: 'X',
            kind: 'resale',
            title: 'T',
            url: 'https://x.example',
          })
        ).status,
      ).toBe(400);
      expect(
        (
          await client(stack.app, bobToken)('POST', '/api/v1/projects/forms/offerings', {
            provider: 'X',
            kind: 'other',
            title: 'T',
            url: 'https://x.example',
          })
        ).status,
      ).toBe(403);
      const patched = await api('PATCH', `/api/v1/projects/forms/offerings/${created.body.id}`, {
        title: 'Managed Drupal hosting',
      });
      expect(patched.body.title).toBe('Managed Drupal hosting');
      expect((await client(stack.app)('GET', '/api/v1/projects/forms/offerings')).body).toHaveLength(1);

      const page = await new SessionClient(stack.app).get('/project/forms');
      expect(page.text).toContain(`<a href="/go/${created.body.id}" rel="sponsored">Managed Drupal hosting</a>`);
      expect(page.text).toContain('Acme &lt;b&gt;Hosting&lt;/b&gt;');
      for (let i = 0; i < 3; i++) {
        const go = await new SessionClient(stack.app).get(`/go/${created.body.id}`);
        expect(go.status).toBe(302);
        expect(go.headers.location).toBe('https://acme.example/hosting');
        expect(go.headers['set-cookie']).toBeUndefined();
      }
      expect((await new SessionClient(stack.app).get('/go/999999')).status).toBe(404);
      const visits = await api('GET', '/api/v1/projects/forms/offerings-visits');
      expect(visits.body).toEqual([
        {
          offeringId: created.body.id,
          total: 3,
          weeks: [{ week: expect.stringMatching(/^\d{4}-W\d{2}$/), visits: 3 }],
        },
      ]);
      const rows = await stack.registry.db.selectFrom('offeringVisits').selectAll().execute();
      expect(Object.keys(rows[0]!).sort()).toEqual(['offeringId', 'visits', 'week']);

      const alice = new SessionClient(stack.app);
      await alice.signIn(aliceToken);
      expect((await alice.get('/project/forms')).text).toContain('3 visits in the last 12 weeks');
      const added = await alice.submit('/project/forms/manage', '/project/forms/offerings', {
        provider: 'Trainers',
        kind: 'training',
        title: 'Course',
        url: 'https://train.example',
        description: '',
      });
      expect(added.headers.location).toBe('/project/forms/manage?done=offering_added');
      const saved = await alice.submit('/project/forms/manage', `/project/forms/offerings/${created.body.id}`, {
        provider: 'Acme',
        kind: 'hosting',
        title: 'Managed Drupal hosting',
        url: 'https://acme.example/hosting',
        description: 'Now with backups.',
      });
      expect(saved.headers.location).toBe('/project/forms/manage?done=offering_saved');
      const refused = await alice.submit('/project/forms/manage', `/project/forms/offerings/${created.body.id}`, {
        provider: 'Acme',
        kind: 'hosting',
        title: 'Managed Drupal hosting',
        url: 'javascript:alert(1)',
      });
      expect(refused.status).toBe(422);
      expect(refused.text).toContain('url: only http:// and https:// links can be offered, not javascript:');
      const manage = await alice.get('/project/forms/manage?done=offering_saved');
      expect(manage.text).toContain('Offering saved.');
      expect(manage.text).toMatch(/3 visits in the last 12 weeks \(\d{4}-W\d{2}: 3\)/);
      const list = (await client(stack.app)('GET', '/api/v1/projects/forms/offerings')).body;
      expect(list[0]).toMatchObject({ provider: 'Acme', description: 'Now with backups.' });
      expect(list.map((o: { title: string }) => o.title)).toEqual(['Managed Drupal hosting', 'Course']);
      expect(
        (await alice.submit('/project/forms/manage', `/project/forms/offerings/${list[1].id}/delete`, {})).status,
      ).toBe(303);
      expect(await api('DELETE', `/api/v1/projects/forms/offerings/${created.body.id}`)).toMatchObject({ status: 204 });
      expect((await client(stack.app)('GET', '/api/v1/projects/forms/offerings')).body).toEqual([]);
    },
  );

  it('lets an administrator issue a sign-in link from the account page, shown once', async () => {
    const administrator = new SessionClient(stack.app);
    await administrator.signIn(stack.adminToken);
    const refused = new SessionClient(stack.app);
    await refused.signIn(aliceToken);
    expect((await refused.get('/account')).text).not.toContain('Issue a sign-in link');
    expect((await refused.submit('/account', '/account/sign-in-links', { user: 'bob' })).status).toBe(403);
    const issued = await administrator.submit('/account', '/account/sign-in-links', { user: 'bob' });
    expect(issued.status).toBe(200);
    expect(issued.headers['cache-control']).toBe('private, no-cache');
    const url = /<code class="secret">(http:\/\/packhouse\.test\/sign-in\/link\/[^<]+)<\/code>/.exec(issued.text)![1]!;
    const path = new URL(url).pathname;
    const bob = new SessionClient(stack.app);
    const confirm = await bob.get(path);
    expect((await bob.request('POST', path, { _csrf: csrfOf(confirm.text) })).status).toBe(303);
    expect((await bob.get('/account')).text).toContain('Signed in as bob');
  });

  it('signs in with a single-use link an administrator issues, and signs out everywhere', async () => {
    expect((await client(stack.app, aliceToken)('POST', '/api/v1/users/bob/sign-in-links')).status).toBe(403);
    const issued = await admin('POST', '/api/v1/users/bob/sign-in-links');
    expect(issued.status).toBe(201);
    const path = new URL(issued.body.url).pathname;
    const first = new SessionClient(stack.app);
    const confirm = await first.get(path);
    expect(confirm.status).toBe(200);
    expect((await first.request('POST', path, { _csrf: csrfOf(confirm.text) })).status).toBe(303);
    expect((await first.get('/account')).text).toContain('Signed in as bob');
    const second = new SessionClient(stack.app);
    const reused = await second.request('POST', path, { _csrf: csrfOf((await second.get(path)).text) });
    expect(reused.status).toBe(401);
    expect(reused.text).toContain('already used or expired');

    const other = new SessionClient(stack.app);
    await other.signIn(bobToken);
    const everywhere = await first.submit('/account', '/sign-out/everywhere', {});
    expect(everywhere.status).toBe(303);
    expect((await other.get('/account')).status).toBe(401);
    expect((await first.get('/account')).status).toBe(401);

    const again = new SessionClient(stack.app);
    await again.signIn(bobToken);
    expect((await again.submit('/account', '/sign-out', {})).status).toBe(303);
    expect(again.cookies.has('ph_session')).toBe(false);
  });
});

describe('sessions behind an https public URL, and their pruning', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ PUBLIC_URL: 'https://packhouse.test', SESSION_HOURS: '1' });
  });
  afterAll(() => stack.close());

  it('marks the session and CSRF cookies Secure when the public URL is https', async () => {
    const token = (await client(stack.app, stack.adminToken)('POST', '/api/v1/users', { name: 'carol' })).body.token;
    const browser = new SessionClient(stack.app);
    const form = await browser.get('/sign-in');
    expect(form.headers['set-cookie']?.[0]).toMatch(/; HttpOnly; SameSite=Lax; Secure$/);
    const signedIn = await browser.request('POST', '/sign-in', { _csrf: csrfOf(form.text), token });
    const session = signedIn.headers['set-cookie']!.find((line) => line.startsWith('ph_session='))!;
    expect(session).toMatch(/; Max-Age=3600; HttpOnly; SameSite=Lax; Secure$/);
  });

  it('prunes expired sessions in the workers housekeeping', async () => {
    const db = stack.registry.db;
    const before = await db.selectFrom('sessions').select('tokenHash').execute();
    expect(before.length).toBeGreaterThan(0);
    await db
      .updateTable('sessions')
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .execute();
    const { houseKeep } = await import('@packhouse/registry');
    expect((await houseKeep(stack.registry)).sessions).toBe(before.length);
    expect(await db.selectFrom('sessions').select('tokenHash').execute()).toEqual([]);
  });
});

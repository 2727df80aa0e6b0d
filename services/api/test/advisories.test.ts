import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expand } from '@packhouse/composer';
import {
  client,
  createRepo,
  releasePublished,
  signUp,
  startStack,
  type Stack,
  type TestRepo,
} from '@packhouse/testing';
import { readLikeDrupal } from '@packhouse/testing/update-status';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TIME = 1_764_288_000;
const INFO = "name: Token\ntype: module\ncore_version_requirement: '^10'\n";

describe('security advisories reach the update feed, Composer and OSV from one action', () => {
  let stack: Stack;
  let alice: ReturnType<typeof client>;
  let mallory: ReturnType<typeof client>;
  let admin: ReturnType<typeof client>;
  let anonymous: ReturnType<typeof client>;
  let advisoryId: string;
  let repo: TestRepo;

  const published = (version: string) => releasePublished(anonymous, 'token', version);
  const insecureInFeed = async () => {
    const feed = readLikeDrupal((await anonymous('GET', '/release-history/token/current')).raw.toString('utf8'));
    return [...feed.releases.values()]
      .filter((release) => (release.terms['Release type'] ?? []).includes('Insecure'))
      .map((release) => release.fields.version)
      .sort();
  };
  const body = {
    title: 'Cross-site scripting in token replacement',
    severity: 'high',
    affectedVersions: '<8.x-1.3',
    cve: 'CVE-2026-12345',
    link: 'https://example.org/sa/1',
    description: 'Token did not escape user-supplied values in replacements.',
  };

  beforeAll(async () => {
    stack = await startStack();
    stack.startWorker();
    alice = await signUp(stack, 'alice');
    mallory = await signUp(stack, 'mallory');
    admin = client(stack.app, stack.adminToken);
    anonymous = client(stack.app);
    repo = await createRepo({ 'token.info.yml': INFO }, TIME);
    repo.tag('8.x-1.1');
    repo.commit({ 'token.info.yml': INFO, 'fix.txt': 'fixed\n' }, TIME + 60);
    repo.tag('8.x-1.2');
    repo.commit({ 'token.info.yml': INFO, 'fix.txt': 'fixed again\n' }, TIME + 120);
    repo.tag('8.x-1.3');
    await alice('POST', '/api/v1/projects', { name: 'token', title: 'Token', type: 'module', gitUrl: repo.url });
    for (const tag of ['8.x-1.1', '8.x-1.2', '8.x-1.3'])
      await alice('POST', '/api/v1/projects/token/releases', { tag });
    await Promise.all(['8.x-1.1', '8.x-1.2', '8.x-1.3'].map(published));
  }, 120_000);
  afterAll(() => stack?.close());

  it('refuses a constraint that does not parse, and one that matches no release, naming the rule', async () => {
    const unparsable = await alice('POST', '/api/v1/projects/token/advisories', {
      ...body,
      affectedVersions: '<<1.0 or so',
    });
    expect(unparsable.status).toBe(422);
    expect(unparsable.body.error).toMatchObject({
      code: 'advisory_constraint_invalid',
      message: expect.stringMatching(/is not a Composer version constraint.*\(rule advisory_constraint_invalid\)\.$/),
    });
    const nothing = await alice('POST', '/api/v1/projects/token/advisories', { ...body, affectedVersions: '>=2.0.0' });
    expect(nothing.status).toBe(422);
    expect(nothing.body.error).toMatchObject({
      code: 'advisory_constraint_matches_nothing',
      message: expect.stringMatching(
        /matches no published release of token.*\(rule advisory_constraint_matches_nothing\)\.$/,
      ),
    });
    expect((await anonymous('GET', '/api/v1/projects/token/advisories')).body).toEqual([]);
  });

  it('lets only maintainers and administrators publish', async () => {
    expect((await mallory('POST', '/api/v1/projects/token/advisories', body)).status).toBe(403);
    expect((await anonymous('POST', '/api/v1/projects/token/advisories', body)).status).toBe(401);
  });

  it('publishes PH-SA-{year}-0001, marking exactly the affected releases Insecure in the very next feed', async () => {
    expect(await insecureInFeed()).toEqual([]);
    const created = await alice('POST', '/api/v1/projects/token/advisories', body);
    expect(created.status).toBe(201);
    advisoryId = created.body.id;
    expect(advisoryId).toBe(`PH-SA-${new Date().getUTCFullYear()}-0001`);
    expect(created.body).toMatchObject({
      package: 'drupal/token',
      affectedVersionsInput: '<8.x-1.3',
      affectedVersions: '<1.3.0',
      affectedReleases: ['1.1.0', '1.2.0'],
      status: 'published',
    });
    expect(await insecureInFeed()).toEqual(['8.x-1.1', '8.x-1.2']);
    // An administrator may publish too; ids count up.
    const second = await admin('POST', '/api/v1/projects/token/advisories', {
      ...body,
      title: 'Second',
      affectedVersions: '1.1.0',
      cve: undefined,
      link: undefined,
    });
    expect(second.body.id).toBe(`PH-SA-${new Date().getUTCFullYear()}-0002`);
    expect(
      (await anonymous('GET', '/api/v1/projects/token/advisories')).body.map((advisory: { id: string }) => advisory.id),
    ).toEqual([advisoryId, second.body.id]);
  });

  it("answers Composer's advisories API in Packagist's shape, by GET and by form POST", async () => {
    const expected = {
      advisoryId,
      packageName: 'drupal/token',
      remoteId: advisoryId,
      title: body.title,
      link: body.link,
      cve: body.cve,
      affectedVersions: '<1.3.0',
      source: 'Packhouse',
      reportedAt: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      composerRepository: 'http://packhouse.test/composer',
      severity: 'high',
      sources: [{ name: 'Packhouse', remoteId: advisoryId }],
    };
    const got = await anonymous(
      'GET',
      '/composer/api/security-advisories?packages[]=drupal/token&packages[]=drupal/unknown',
    );
    expect(Object.keys(got.body.advisories)).toEqual(['drupal/token']);
    expect(got.body.advisories['drupal/token'][0]).toEqual(expected);
    const posted = await anonymous('POST', '/composer/api/security-advisories', 'packages%5B0%5D=drupal%2Ftoken', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(posted.status).toBe(200);
    expect(posted.body.advisories['drupal/token'][0]).toEqual(expected);
    // And in the p2 file, as Composer 2.9 reads them to block affected versions on update.
    const p2 = (await anonymous('GET', '/composer/p2/drupal/token.json')).body;
    expect(
      p2['security-advisories'].map((advisory: { advisoryId: string; affectedVersions: string }) => [
        advisory.advisoryId,
        advisory.affectedVersions,
      ]),
    ).toEqual([
      [advisoryId, '<1.3.0'],
      [`PH-SA-${new Date().getUTCFullYear()}-0002`, '1.1.0'],
    ]);
    expect(expand(p2.packages['drupal/token']).map((version) => version.version)).toEqual(['1.3.0', '1.2.0', '1.1.0']);
  });

  it('exports OSV 1.6, one record and all.zip, that osv tooling reads', async () => {
    const osv = await anonymous('GET', `/api/v1/advisories/osv/${advisoryId}.json`);
    expect(osv.body).toMatchObject({
      schema_version: '1.6.0',
      id: advisoryId,
      aliases: ['CVE-2026-12345'],
      summary: body.title,
      details: body.description,
      affected: [
        {
          package: { ecosystem: 'Packagist', name: 'drupal/token', purl: 'pkg:composer/drupal/token' },
          versions: ['1.1.0', '1.2.0'],
        },
      ],
      references: [
        { type: 'ADVISORY', url: `http://packhouse.test/api/v1/projects/token/advisories/${advisoryId}` },
        { type: 'WEB', url: body.link },
      ],
      database_specific: { severity: 'HIGH' },
    });
    expect(Date.parse(osv.body.published)).not.toBeNaN();
    expect(osv.body).not.toHaveProperty('withdrawn');

    const zip = await anonymous('GET', '/api/v1/advisories/osv/all.zip');
    expect(zip.headers['content-type']).toBe('application/zip');
    const dir = mkdtempSync(path.join(tmpdir(), 'packhouse-osv-'));
    try {
      writeFileSync(path.join(dir, 'all.zip'), zip.raw);
      execFileSync('unzip', ['-q', 'all.zip'], { cwd: dir });
      expect(JSON.parse(readFileSync(path.join(dir, `${advisoryId}.json`), 'utf8'))).toEqual(osv.body);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('withdraws by status: gone from Composer and the feed at once, kept in OSV as withdrawn', async () => {
    const year = new Date().getUTCFullYear();
    await alice('PATCH', `/api/v1/projects/token/advisories/PH-SA-${year}-0002`, { status: 'withdrawn' });
    const withdrawn = await alice('PATCH', `/api/v1/projects/token/advisories/${advisoryId}`, { status: 'withdrawn' });
    expect(withdrawn.body).toMatchObject({ status: 'withdrawn', withdrawnAt: expect.any(String) });
    expect(await insecureInFeed()).toEqual([]);
    expect((await anonymous('GET', '/composer/api/security-advisories?packages[]=drupal/token')).body).toEqual({
      advisories: { 'drupal/token': [] },
    });
    expect((await anonymous('GET', '/composer/p2/drupal/token.json')).body['security-advisories']).toEqual([]);
    expect((await anonymous('GET', `/api/v1/advisories/osv/${advisoryId}.json`)).body.withdrawn).toBe(
      withdrawn.body.withdrawnAt,
    );
    // Republished, with a narrower constraint: the feed follows.
    const narrowed = await alice('PATCH', `/api/v1/projects/token/advisories/${advisoryId}`, {
      status: 'published',
      affectedVersions: '<1.2.0',
    });
    expect(narrowed.body).toMatchObject({ affectedReleases: ['1.1.0'], withdrawnAt: null });
    expect(await insecureInFeed()).toEqual(['8.x-1.1']);
    expect(
      (await alice('PATCH', `/api/v1/projects/token/advisories/${advisoryId}`, { affectedVersions: '>=9' })).status,
    ).toBe(422);
  });

  it('follows its constraint: a matching release published later is affected everywhere, until withdrawn', async () => {
    const release = async (tag: string, at: number) => {
      repo.commit({ 'token.info.yml': INFO, 'fix.txt': `${tag}\n` }, at);
      repo.tag(tag);
      expect((await alice('POST', '/api/v1/projects/token/releases', { tag })).status).toBe(202);
      return published(tag);
    };
    const created = await alice('POST', '/api/v1/projects/token/advisories', {
      ...body,
      title: 'Later',
      affectedVersions: '>=8.x-1.3 <8.x-1.6',
      cve: undefined,
      link: undefined,
    });
    expect(created.body).toMatchObject({ affectedVersions: '>=1.3.0 <1.6.0', affectedReleases: ['1.3.0'] });
    const id = created.body.id;
    const advisory = async () => (await anonymous('GET', `/api/v1/projects/token/advisories/${id}`)).body;
    const osvVersions = async () =>
      (await anonymous('GET', `/api/v1/advisories/osv/${id}.json`)).body.affected[0].versions;
    const publishedInsecure = async (version: string) => {
      const events = (await anonymous('GET', '/api/v1/changes?limit=1000')).body.events;
      const event = events.find((change: any) => change.version === version && change.type === 'release.published');
      return event.detail.insecure;
    };
    // Both feeds are cached before the new releases exist.
    expect(await insecureInFeed()).toEqual(['8.x-1.1', '8.x-1.3']);
    expect((await anonymous('GET', '/composer/p2/drupal/token.json')).status).toBe(200);

    await release('8.x-1.4', TIME + 180);
    await release('8.x-1.6', TIME + 240);
    expect(await insecureInFeed()).toEqual(['8.x-1.1', '8.x-1.3', '8.x-1.4']);
    const after = await advisory();
    expect(after.affectedReleases).toEqual(['1.3.0', '1.4.0']);
    expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(created.body.updatedAt));
    expect(await osvVersions()).toEqual(['1.3.0', '1.4.0']);
    // Mirrors read it from the release's first, signed change.
    expect(await publishedInsecure('8.x-1.4')).toBe(true);
    expect(await publishedInsecure('8.x-1.6')).toBe(false);
    // Composer evaluates the constraint itself, against the versions the next p2 answer offers.
    const p2 = (await anonymous('GET', '/composer/p2/drupal/token.json')).body;
    expect(expand(p2.packages['drupal/token']).map((version) => version.version)).toEqual([
      '1.6.0',
      '1.4.0',
      '1.3.0',
      '1.2.0',
      '1.1.0',
    ]);
    expect(p2['security-advisories'].map((entry: { advisoryId: string }) => entry.advisoryId)).toContain(id);

    // Withdrawn: the feed clears at once, and a release published meanwhile counts again on republishing.
    await alice('PATCH', `/api/v1/projects/token/advisories/${id}`, { status: 'withdrawn' });
    expect(await insecureInFeed()).toEqual(['8.x-1.1']);
    expect(
      (await anonymous('GET', '/composer/api/security-advisories?packages[]=drupal/token')).body.advisories[
        'drupal/token'
      ].map((entry: { advisoryId: string }) => entry.advisoryId),
    ).not.toContain(id);
    await release('8.x-1.5', TIME + 300);
    expect(await insecureInFeed()).toEqual(['8.x-1.1']);
    expect(await publishedInsecure('8.x-1.5')).toBe(false);
    await alice('PATCH', `/api/v1/projects/token/advisories/${id}`, { status: 'published' });
    expect(await insecureInFeed()).toEqual(['8.x-1.1', '8.x-1.3', '8.x-1.4', '8.x-1.5']);
    expect((await advisory()).affectedReleases).toEqual(['1.3.0', '1.4.0', '1.5.0']);
  });
});

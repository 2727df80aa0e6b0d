import { changes as changesRepo, projects } from '@packhouse/db';
import { loadSigning, recordProjectChange, recordReleaseChange } from '@packhouse/registry';
import { createHash } from 'node:crypto';
import {
  canonicalJson,
  headStatement,
  releaseStatement,
  Signer,
  verifySignature,
  type FileDigest,
  type PublicKeyInfo,
  type Signature,
} from '@packhouse/signing';
import { client, createRepo, eventually, signUp, startStack, type Stack } from '@packhouse/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedRelease } from './feed-seed.ts';

type Api = ReturnType<typeof client>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the change feed', () => {
  let stack: Stack;
  let alice: Api;
  let anonymous: Api;
  let keys: Map<string, PublicKeyInfo>;

  const page = async (since?: string, limit?: number) => {
    const query = new URLSearchParams({ ...(since ? { since } : {}), ...(limit ? { limit: String(limit) } : {}) });
    const response = await anonymous('GET', `/api/v1/changes?${query}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body as { events: any[]; next: string; hasMore: boolean; head: any };
  };
  /**
   * Whether `release` (token 8.x-1.0 at revision 3, as an answer carries it) holds a valid signature of its
   * statement.
   */
  const signedAsToken3 = (release: { files: FileDigest[]; publishedAt: string | null; signature: Signature }) =>
    verifySignature(
      releaseStatement({
        project: 'token',
        version: '8.x-1.0',
        revision: 3,
        files: release.files,
        publishedAt: release.publishedAt,
      }),
      release.signature,
      keys,
    );
  /**
   * Drains from `since` until at least `count` events arrived: a transaction of another test's database that the
   * horizon cannot place may hold the feed back for a moment (late, never wrong).
   */
  const drainAtLeast = (since: string | undefined, count: number) =>
    eventually(
      async () => {
        const drained = await drain(since);
        return drained.events.length >= count ? drained : undefined;
      },
      30_000,
      `${count} changes`,
    );
  /** Follows `next` until a page is not full; returns every event and the last cursor. */
  const drain = async (since?: string, limit = 1000) => {
    const events: any[] = [];
    let cursor = since;
    for (;;) {
      const body = await page(cursor, limit);
      events.push(...body.events);
      cursor = body.next;
      if (!body.hasMore) return { events, cursor: cursor! };
    }
  };

  beforeAll(async () => {
    stack = await startStack();
    stack.startWorker();
    alice = await signUp(stack, 'alice');
    anonymous = client(stack.app);
    const repo = await createRepo({ 'token.info.yml': 'name: Token\ntype: module\ncore_version_requirement: ^10\n' });
    repo.tag('8.x-1.0');
    await alice('POST', '/api/v1/projects', { name: 'token', title: 'Token', type: 'module', gitUrl: repo.url });
    await alice('POST', '/api/v1/projects/token/releases', { tag: '8.x-1.0' });
    await eventually(
      async () =>
        (await anonymous('GET', '/api/v1/projects/token/releases/8.x-1.0')).body.status === 'published'
          ? true
          : undefined,
      60_000,
      'the release',
    );
    keys = new Map(
      ((await anonymous('GET', '/api/v1/keys')).body.keys as PublicKeyInfo[]).map((key) => [key.keyid, key]),
    );
  });
  afterAll(() => stack.close());

  it(
    'records a publish, each later change of the release and of its ' + 'project, in order, each release event signed',
    async () => {
      expect((await alice('PATCH', '/api/v1/projects/token/releases/8.x-1.0', { insecure: true })).status).toBe(200);
      expect((await alice('PATCH', '/api/v1/projects/token/releases/8.x-1.0', { status: 'unpublished' })).status).toBe(
        200,
      );
      expect((await alice('PUT', '/api/v1/projects/token/supported-branches', ['8.x-1.'])).status).toBe(200);
      // A transfer changes the feed's dc:creator (the first maintainer).
      const admin = client(stack.app, stack.adminToken);
      expect((await admin('POST', '/api/v1/admin/projects/token/transfer', { to: 'alice' })).status).toBe(200);
      // A transaction of another test's database that the horizon cannot place holds it back for a moment:
      // the feed is late then, never wrong.
      const token = await eventually(
        async () => {
          const found = (await drain()).events.filter((event) => event.project === 'token');
          return found.length === 6 ? found : undefined;
        },
        30_000,
        'the six changes of token',
      );
      expect(token.map((event) => [event.type, event.version, event.revision])).toEqual([
        ['project.updated', null, 1],
        ['release.published', '8.x-1.0', 1],
        ['release.updated', '8.x-1.0', 2],
        ['release.unpublished', '8.x-1.0', 3],
        ['project.updated', null, 2],
        ['project.updated', null, 3],
      ]);
      const [published, insecure] = [token[1], token[2]];
      expect(published.files.map((file: any) => file.name).sort()).toEqual([
        'token-8.x-1.0.tar.gz',
        'token-8.x-1.0.zip',
      ]);
      expect(published.files[0].url).toMatch(/^http:\/\/packhouse\.test\/files\/projects\/token-8\.x-1\.0\./);
      expect(insecure.detail).toEqual({ status: 'published', insecure: true, releaseTypes: [] });

      const release = (await anonymous('GET', '/api/v1/projects/token/releases/8.x-1.0')).body;
      for (const event of token.filter((e) => e.version)) {
        expect(event.publishedAt).toBe(release.publishedAt);
        const statement = releaseStatement(event);
        expect(verifySignature(statement, event.signature, keys), `revision ${event.revision}`).toBe(true);
        // The same statement with other bytes does not verify.
        const forged = { ...statement, files: statement.files.map((file) => ({ ...file, sha256: '0'.repeat(64) })) };
        expect(verifySignature(forged, event.signature, keys)).toBe(false);
      }
      // The release JSON carries the latest statement's signature.
      expect(release.revision).toBe(3);
      expect(signedAsToken3(release)).toBe(true);
    },
  );

  it('signs each page head with its range, the digest of its events and an expiry an hour ahead', async () => {
    const body = await page(undefined, 2);
    const { signature, ...head } = body.head;
    expect(head.next).toBe(body.next);
    expect(head.hasMore).toBe(true);
    expect(verifySignature(headStatement(head), signature, keys)).toBe(true);
    expect(verifySignature(headStatement({ ...head, hasMore: false }), signature, keys)).toBe(false);
    const expires = Date.parse(head.expires) - Date.now();
    expect(expires).toBeGreaterThan(50 * 60_000);
    expect(expires).toBeLessThanOrEqual(60 * 60_000);
  });

  it('sends a page of many events (several stored chunks) whole and in order, under its digest', async () => {
    const { cursor: start } = await drain();
    const db = stack.registry.db;
    const token = (await projects.findProjectByName(db, 'token'))!;
    await db.transaction().execute(async (tx) => {
      for (let i = 0; i < 150; i++) await recordProjectChange(stack.registry, tx, token);
    });
    const body = await eventually(
      async () => {
        const read = await page(start);
        return read.events.length >= 150 ? read : undefined;
      },
      30_000,
      'the 150 changes',
    );
    const revisions = body.events.map((event) => event.revision);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    expect(new Set(revisions).size).toBe(body.events.length);
    expect(createHash('sha256').update(canonicalJson(body.events)).digest('hex')).toBe(body.head.eventsSha256);
  });

  it(
    'pages with limit and hasMore, and moves next forward even on an empty ' + 'page once any transaction finished',
    async () => {
      const all = await drain();
      const paged = await drain(undefined, 2);
      expect(paged.events).toEqual(all.events);
      const empty = await page(all.cursor);
      expect(empty.events).toEqual([]);
      expect(empty.hasMore).toBe(false);
      // A write that records no change still moves the horizon, and with it `next`.
      await sql`UPDATE users SET name = name WHERE name = 'alice'`.execute(stack.registry.db);
      const later = await page(empty.next);
      expect(later.events).toEqual([]);
      expect(later.next).not.toBe(empty.next);
      expect((await anonymous('GET', '/api/v1/changes?limit=10001')).status).toBe(400);
      expect((await anonymous('GET', '/api/v1/changes?limit=0')).status).toBe(400);
      const bad = await anonymous('GET', '/api/v1/changes?since=not-a-cursor');
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('invalid_cursor');
    },
  );

  it('never hands out a cursor that a later commit can land behind (commits out of order)', async () => {
    const { cursor: start } = await drain();
    const db = stack.registry.db;
    await alice('POST', '/api/v1/projects', {
      name: 'early',
      title: 'Early',
      type: 'module',
      gitUrl: 'file:///srv/early',
    });
    await alice('POST', '/api/v1/projects', {
      name: 'late',
      title: 'Late',
      type: 'module',
      gitUrl: 'file:///srv/late',
    });
    const { cursor } = await drain(start);
    const early = (await projects.findProjectByName(db, 'early'))!;
    const late = (await projects.findProjectByName(db, 'late'))!;

    // `early` writes its change first (lower transaction id and lower row id) but commits last.
    let commitEarly!: () => void;
    let earlyWritten!: () => void;
    const written = new Promise<void>((resolve) => (earlyWritten = resolve));
    const earlyTx = db.transaction().execute(async (tx) => {
      await recordProjectChange(stack.registry, tx, early);
      earlyWritten();
      await new Promise<void>((resolve) => (commitEarly = resolve));
    });
    await written;
    await db.transaction().execute((tx) => recordProjectChange(stack.registry, tx, late));

    // `late` is committed and visible, but a page may not pass `early`, which is still open.
    const visible = await db
      .selectFrom('changes')
      .select('project')
      .where('project', '=', 'late')
      .where('revision', '=', 2)
      .execute();
    expect(visible).toHaveLength(1);
    const during = await page(cursor);
    expect(during.events).toEqual([]);

    commitEarly();
    await earlyTx;
    const after = await drainAtLeast(during.next, 2);
    expect(after.events.map((event) => [event.project, event.revision])).toEqual([
      ['early', 2],
      ['late', 2],
    ]);
  });

  it(
    'a poller running beside concurrent publishers with interleaved and ' +
      'aborted commits sees every committed change',
    async () => {
      const { cursor: start } = await drain();
      const db = stack.registry.db;
      const WRITERS = 8;
      const ROUNDS = 20;
      const names = Array.from({ length: WRITERS }, (_, i) => `busy${i}`);
      for (const name of names)
        await alice('POST', '/api/v1/projects', { name, title: name, type: 'module', gitUrl: `file:///srv/${name}` });
      const rows = await Promise.all(names.map(async (name) => (await projects.findProjectByName(db, name))!));

      let writing = true;
      const seen: any[] = [];
      const poller = (async () => {
        let cursor = start;
        for (;;) {
          const done = !writing;
          const body = await page(cursor, 7);
          seen.push(...body.events);
          cursor = body.next;
          if (done && !body.hasMore) return;
        }
      })();

      const aborted = new Error('deliberately rolled back');
      await Promise.all(
        rows.map(async (project, w) => {
          for (let round = 0; round < ROUNDS; round++) {
            await db
              .transaction()
              .execute(async (tx) => {
                // Each transaction takes its id at a random moment and holds it open a random while.
                await sleep(Math.random() * 10);
                await recordProjectChange(stack.registry, tx, project);
                await sleep(Math.random() * 25);
                if ((round + w) % 5 === 4) throw aborted;
              })
              .catch((error) => {
                if (error !== aborted) throw error;
              });
          }
        }),
      );
      writing = false;
      await poller;

      const final = await db.selectFrom('projects').select(['name', 'revision']).where('name', 'in', names).execute();
      for (const { name, revision } of final) {
        const revisions = seen.filter((event) => event.project === name).map((event) => event.revision);
        // Created at revision 1; every committed change after, with no gap and nothing rolled back.
        expect(revisions, name).toEqual(Array.from({ length: revision }, (_, i) => i + 1));
        expect(revision, name).toBe(1 + ROUNDS - ROUNDS / 5);
      }
    },
    60_000,
  );

  it(
    'answers 410 for a cursor from before the retained history or from ' + 'another epoch, pointing at the snapshot',
    async () => {
      const first = await page(undefined, 1);
      const { cursor } = await drain();
      // Everything written so far falls out of retention.
      await sleep(5);
      const pruned = await changesRepo.pruneChanges(stack.registry.db, new Date(Date.now() + 1000));
      expect(pruned).toBeGreaterThan(0);
      for (const url of ['/api/v1/changes', `/api/v1/changes?since=${first.next}`]) {
        const gone = await anonymous('GET', url);
        expect(gone.status, url).toBe(410);
        expect(gone.body.error.code).toBe('cursor_gone');
        expect(gone.body.error.message).toContain('/api/v1/snapshot');
      }
      // A cursor at the end of what was pruned still continues.
      expect((await anonymous('GET', `/api/v1/changes?since=${cursor}`)).status).toBe(200);

      // A restore begins a new epoch: every cursor of the old one is gone.
      await changesRepo.startEpoch(stack.registry.db);
      const other = await anonymous('GET', `/api/v1/changes?since=${cursor}`);
      expect(other.status).toBe(410);
      expect(other.body.error.message).toContain('another history');
      // The new epoch holds nothing from before the restore: reading it from the beginning resyncs too.
      const fresh = await anonymous('GET', '/api/v1/changes');
      expect(fresh.status).toBe(410);
      expect(fresh.body.error.message).toContain('does not reach back to the beginning');
    },
  );

  it('gives a signed snapshot whose cursor continues the feed with what committed after it', async () => {
    await seedRelease(stack.registry, 'early', { version: '1.0.0', commitTime: 1_764_288_000 });
    const snapshot = (await anonymous('GET', '/api/v1/snapshot')).body;
    const { projects: list, signature, ...document } = snapshot;
    const { snapshotStatement, sha256OfCanonical } = await import('@packhouse/signing');
    expect(verifySignature(snapshotStatement(document), signature, keys)).toBe(true);
    expect(sha256OfCanonical(list)).toBe(document.projectsSha256);
    const token = list.find((project: any) => project.name === 'token');
    expect(token.releases.map((release: any) => [release.version, release.revision, release.status])).toEqual([
      ['8.x-1.0', 3, 'unpublished'],
    ]);
    expect(signedAsToken3(token.releases[0])).toBe(true);
    // A release seeded without a change (as before the feed existed) is still signed in the snapshot.
    const seeded = list.find((project: any) => project.name === 'early').releases[0];
    expect(verifySignature(releaseStatement({ project: 'early', ...seeded }), seeded.signature, keys)).toBe(true);
    // And so is its release JSON.
    const json = (await anonymous('GET', '/api/v1/projects/early/releases/1.0.0')).body;
    expect(verifySignature(releaseStatement(json), json.signature, keys)).toBe(true);

    expect((await alice('PATCH', '/api/v1/projects/token/releases/8.x-1.0', { status: 'published' })).status).toBe(200);
    const after = await drainAtLeast(snapshot.cursor, 1);
    expect(after.events.map((event) => [event.project, event.type, event.revision])).toEqual([
      ['token', 'release.updated', 4],
    ]);

    // A security advisory changes what the feed says of the releases it affects: each gets a change.
    const advisory = await alice('POST', '/api/v1/projects/token/advisories', {
      title: 'Access bypass',
      severity: 'high',
      affectedVersions: '<8.x-1.1',
      description: 'Anyone could.',
    });
    expect(advisory.status, JSON.stringify(advisory.body)).toBe(201);
    const advised = await drainAtLeast(after.cursor, 1);
    expect(advised.events.map((event) => [event.project, event.type, event.revision, event.detail.insecure])).toEqual([
      ['token', 'release.updated', 5, true],
    ]);
  });

  it('serves each event as the text stored with it, filling in rows stored without one (the backfilled history)', async () => {
    const db = stack.registry.db;
    const { cursor } = await drain((await anonymous('GET', '/api/v1/snapshot')).body.cursor);
    // As migration 20261129150100 backfilled history: no signature, no event text.
    const file = { name: 'token-9.9.9.zip', size: 5, sha256: 'a'.repeat(64) };
    await sql`INSERT INTO changes (type, project, version, revision, files, published_at, detail)
              VALUES ('release.published', 'token', '9.9.9', 1, ${JSON.stringify([file])}::jsonb,
                      '2026-11-28T12:00:00.123Z', '{"status":"published"}')`.execute(db);
    // A project event whose title holds what a stored event uses for the URL base, and a JSON key's quoting.
    const odd = { ...(await projects.findProjectByName(db, 'early'))!, title: 'Odd "url":"\u0001 \u0001 title' };
    await db.transaction().execute((tx) => recordProjectChange(stack.registry, tx, odd));

    await drainAtLeast(cursor, 2);
    const first = await anonymous('GET', `/api/v1/changes?since=${cursor}`);
    const [backfilled, project] = first.body.events;
    expect(backfilled).toMatchObject({ version: '9.9.9', publishedAt: '2026-11-28T12:00:00.123Z' });
    expect(backfilled.files).toEqual([{ ...file, url: 'http://packhouse.test/files/projects/token-9.9.9.zip' }]);
    expect(verifySignature(releaseStatement({ project: 'token', ...backfilled }), backfilled.signature, keys)).toBe(
      true,
    );
    expect(project.detail.title).toBe(odd.title);
    const stored = await db
      .selectFrom('changes')
      .select(['event', 'signature'])
      .where('version', '=', '9.9.9')
      .execute();
    expect(stored[0]!.event).toContain('"url":"\u0001/files/projects/token-9.9.9.zip"');
    expect(stored[0]!.signature).toEqual(backfilled.signature);
    // Read again, from the stored text: the same bytes.
    const again = await anonymous('GET', `/api/v1/changes?since=${cursor}`);
    expect(again.raw.toString().split(',"next"')[0]).toBe(first.raw.toString().split(',"next"')[0]);
  });

  it('rotates the signing key without breaking what the old key signed', async () => {
    const db = stack.registry.db;
    const before = (await anonymous('GET', '/api/v1/keys')).body.keys as PublicKeyInfo[];
    const old = before.find((key) => key.validUntil === null)!;
    const release = (await anonymous('GET', '/api/v1/projects/token/releases/8.x-1.0')).body;
    expect(release.signature.keyid).toBe(old.keyid);
    const { cursor } = await drain((await anonymous('GET', '/api/v1/snapshot')).body.cursor);

    // Another process starts with a new key: it is listed, and the one before it retired.
    const rotated = await loadSigning(
      { ...stack.registry.config, mirrors: { ...stack.registry.config.mirrors, signingKey: Signer.generateText() } },
      db,
      stack.registry.log,
    );
    await rotated.ready();
    const after = (await anonymous('GET', '/api/v1/keys')).body.keys as PublicKeyInfo[];
    expect(after.map((key) => key.keyid)).toEqual([rotated.signer.keyid, ...before.map((key) => key.keyid)]);
    expect(after[0]!.validUntil).toBeNull();
    expect(after.find((key) => key.keyid === old.keyid)!.validUntil).not.toBeNull();
    const listed = new Map(after.map((key) => [key.keyid, key]));

    // What the old key signed still verifies with the keys listed now; what the new key signs does too.
    expect(verifySignature(releaseStatement({ project: 'token', ...release }), release.signature, listed)).toBe(true);
    const row = (await db.selectFrom('releases').select('id').where('version', '=', '8.x-1.0').executeTakeFirst())!;
    await db.transaction().execute((tx) => recordReleaseChange({ signing: rotated }, tx, row.id, 'release.updated'));
    const [event] = (await drainAtLeast(cursor, 1)).events;
    expect(event.signature.keyid).toBe(rotated.signer.keyid);
    expect(verifySignature(releaseStatement(event), event.signature, listed)).toBe(true);
    const now = (await anonymous('GET', '/api/v1/projects/token/releases/8.x-1.0')).body;
    expect(now.signature).toEqual(event.signature);
  });
});

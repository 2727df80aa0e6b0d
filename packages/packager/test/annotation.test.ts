import { COMMIT_TIME, createRepo, type TestRepo } from '@packhouse/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTagObject } from '../src/annotation.ts';
import { checkout, MAX_NOTES_CHARS, TRUNCATED_MARK, type Checkout } from '../src/index.ts';
import { cleanUp, gitOptions, LIMITS } from './git-fixtures.ts';

afterAll(cleanUp);

const TAGGED = COMMIT_TIME + 7 * 86_400;

async function repoWith(tag: (repo: TestRepo) => void): Promise<TestRepo> {
  const repo = await createRepo({ 'notes.info.yml': 'name: Notes\ntype: module\n' });
  repo.commit({ 'notes.info.yml': 'name: Notes\ntype: module\n' }, COMMIT_TIME, 'Fix the frobnicator');
  tag(repo);
  return repo;
}

function checkoutOf(repo: TestRepo, ref: { tag: string } | { branch: string }): Promise<Checkout> {
  return checkout({ project: 'notes', gitUrl: repo.url, ref, git: gitOptions(), limits: LIMITS });
}

/**
 * Release notes are the annotated tag's message, read from the tag object the worker
 * fetched: kept as text (the pages escape or sanitise it), never the commit's message.
 */
describe('tag annotations: the release notes of a tag', () => {
  it("reads an annotated tag's message and tagger time, the commit keeping its own time", async () => {
    const message = '## 1.2.0\n\n- Adds <b>bold</b> things\n- Fixes #42\n\nThanks to everyone.\n';
    const repo = await repoWith((r) => r.tag('1.2.0', { message, time: TAGGED }));
    const co = await checkoutOf(repo, { tag: '1.2.0' });
    expect(co.annotation).toEqual({ message: message.trim(), taggedAt: TAGGED });
    expect(co.commitTime).toBe(COMMIT_TIME);
  });

  it('has none for a lightweight tag (the commit message is not release notes) or a branch', async () => {
    const repo = await repoWith((r) => r.tag('1.2.0'));
    expect((await checkoutOf(repo, { tag: '1.2.0' })).annotation).toBeNull();
    expect((await checkoutOf(repo, { branch: 'main' })).annotation).toBeNull();
  });

  it('cuts off a signature, keeps invalid UTF-8 as U+FFFD and drops control characters (NUL, ESC, BEL)', async () => {
    const message = Buffer.concat([
      Buffer.from('Caf\u00e9 \x1b[31mred\x1b[0m\x07 and NUL:\0 done\r\nbad bytes: '),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('\n-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\n-----END PGP SIGNATURE-----\n'),
    ]);
    const repo = await repoWith((r) => r.tag('1.2.1', { message }));
    const { annotation } = await checkoutOf(repo, { tag: '1.2.1' });
    expect(annotation?.message).toBe('Café [31mred[0m and NUL: done\nbad bytes: \ufffd\ufffd');
  });

  it('reads past a commit message of megabytes for its time, and leaves a tag object over 1 MB unread', async () => {
    const repo = await createRepo({ 'notes.info.yml': 'name: Notes\ntype: module\n' });
    const long = 'A commit message line that goes on.\n'.repeat(60_000); // 2.2 MB, many pipe reads
    repo.commit({ 'notes.info.yml': 'name: Notes\ntype: module\n' }, COMMIT_TIME, long);
    repo.tag('2.0.0', { message: 'x'.repeat(1024 * 1024 + 1), time: TAGGED });
    const co = await checkoutOf(repo, { tag: '2.0.0' });
    expect([co.commit, co.commitTime]).toEqual([repo.git('rev-parse', 'HEAD'), COMMIT_TIME]);
    expect(co.annotation).toEqual({ message: null, taggedAt: null });
  });

  it(`keeps the first ${MAX_NOTES_CHARS} characters of a longer message, ending in a mark`, async () => {
    const line = 'Ünïcode line of a very long changelog.\n';
    const repo = await repoWith((r) => r.tag('1.3.0', { message: line.repeat(2000) }));
    const { annotation } = await checkoutOf(repo, { tag: '1.3.0' });
    const notes = annotation!.message!;
    expect([...notes].length).toBeLessThanOrEqual(MAX_NOTES_CHARS);
    expect([...notes].length).toBeGreaterThan(MAX_NOTES_CHARS - line.length - TRUNCATED_MARK.length);
    expect(notes.endsWith(TRUNCATED_MARK)).toBe(true);
    expect(line.repeat(2000).startsWith(notes.slice(0, -TRUNCATED_MARK.length))).toBe(true);
  });

  it('reads tag objects as git writes them: empty messages, no tagger, dates Postgres cannot hold', () => {
    const head = 'object 0123456789012345678901234567890123456789\ntype commit\ntag 1.0.0\n';
    expect(parseTagObject(Buffer.from(`${head}tagger A <a@b> 1764288000 +0100\n`))).toEqual({
      message: null,
      taggedAt: 1_764_288_000,
    });
    expect(parseTagObject(Buffer.from(`${head}\nNotes without a tagger.\n`))).toEqual({
      message: 'Notes without a tagger.',
      taggedAt: null,
    });
    expect(parseTagObject(Buffer.from(`${head}tagger A <a@b> 99999999999999999999 +0000\n\nx\n`)).taggedAt).toBeNull();
    expect(parseTagObject(Buffer.from(`${head}tagger A <a@b> 1 +0000\n\n  \n\t\n`)).message).toBeNull();
  });
});

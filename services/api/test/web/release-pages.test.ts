import { client, createRepo, eventually, signUp, startStack, type Stack, type TestRepo } from '@packhouse/testing';
import { child, parseXml } from '@packhouse/testing/update-status';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionClient } from './session-client.ts';

const TAGGED = 1_764_892_800; // 2025-12-05T00:00:00Z
const HOSTILE_NOTES = `Release 2.0.0 <script>alert('notes')</script> & "friends"

- Fixes [the parser](https://example.org/issues/1)
- <img src="x" onerror="alert('img')">
- [click](javascript:alert('link'))
<iframe src="https://evil.example"></iframe>
<p onclick="alert(2)" style="color:red">styled</p>

Issue #3 by someone
Issue #4 by someone else
`;

/** The page without its own copy-button script: what is left must hold no script at all. */
const withoutOwnScript = (text: string) =>
  text.replace(/<script src="\/static\/copy\.[0-9a-f]{12}\.js" defer><\/script>/, '');

describe('release pages: release notes from the tag, dev build history', () => {
  let stack: Stack;
  let repo: TestRepo;
  let alice: ReturnType<typeof client>;
  const anonymous = () => new SessionClient(stack.app);
  const published = (version: string) =>
    eventually(async () => {
      const { body } = await alice('GET', `/api/v1/projects/notes/releases/${version}`);
      if (body.status === 'failed') throw new Error(`${version} failed: ${body.error}`);
      return body.status === 'published' ? body : undefined;
    });

  beforeAll(async () => {
    stack = await startStack();
    stack.startWorker();
    alice = await signUp(stack, 'alice');
    repo = await createRepo();
    repo.git('checkout', '-q', '-b', '2.0.x');
    repo.commit({ 'notes.info.yml': 'name: Notes\ntype: module\n' }, undefined, 'Commit messages are not notes');
    repo.tag('1.0.0'); // lightweight
    repo.tag('2.0.0', { message: HOSTILE_NOTES, time: TAGGED });
    await alice('POST', '/api/v1/projects', { name: 'notes', title: 'Notes', type: 'module', gitUrl: repo.url });
    for (const tag of ['1.0.0', '2.0.0']) await alice('POST', '/api/v1/projects/notes/releases', { tag });
    await published('1.0.0');
    await published('2.0.0');
  }, 60_000);
  afterAll(() => stack.close());

  it("records the annotated tag's message and time at packaging, in the release JSON", async () => {
    const { body } = await client(stack.app)('GET', '/api/v1/projects/notes/releases/2.0.0');
    expect(body.notes).toEqual({ message: HOSTILE_NOTES.trim(), taggedAt: '2025-12-05T00:00:00.000Z' });
    expect((await client(stack.app)('GET', '/api/v1/projects/notes/releases/1.0.0')).body.notes).toBeNull();
  });

  it("carries the notes in the project's Atom feed as text, with a link to the release page", async () => {
    const response = await client(stack.app)('GET', '/project/notes/releases.atom');
    const xml = response.raw.toString('utf8');
    expect(xml).not.toContain('<script');
    const entry = parseXml(xml).children.find(
      (node) => node.name === 'entry' && child(node, 'title')?.text === 'Notes 2.0.0',
    )!;
    expect(child(entry, 'content')).toMatchObject({ attributes: { type: 'text' }, text: HOSTILE_NOTES.trim() });
    const pages = entry.children.filter((node) => node.name === 'link' && node.attributes.type === 'text/html');
    expect(pages.map((link) => link.attributes.href)).toEqual(['http://packhouse.test/project/notes/releases/2.0.0']);
    const lightweight = parseXml(xml).children.find(
      (node) => node.name === 'entry' && child(node, 'title')?.text === 'Notes 1.0.0',
    )!;
    expect(child(lightweight, 'content')).toBeUndefined();
  });

  it('renders the notes as sanitised Markdown with every line break: no script, handler or javascript: survives', async () => {
    const { status, text } = await anonymous().get('/project/notes/releases/2.0.0');
    expect(status).toBe(200);
    expect(withoutOwnScript(text)).not.toMatch(/<script/i);
    expect(text).not.toMatch(/onerror|onclick|<iframe|javascript:|style=/i);
    const notes = text.slice(
      text.indexOf('<h2 id="notes">'),
      text.indexOf('</section>', text.indexOf('<h2 id="notes">')),
    );
    expect(notes).toContain(
      '<li>Fixes <a href="https://example.org/issues/1" rel="nofollow ugc noopener">the parser</a></li>',
    );
    expect(notes).toContain('<p>Issue #3 by someone<br />Issue #4 by someone else</p>');
    expect(text).toContain('<dt>Tag</dt><dd><code>2.0.0</code>, tagged <time datetime="2025-12-05T00:00:00.000Z">');
    // The first line describes the page, escaped.
    expect(text).toContain(
      '<meta name="description" content="Release 2.0.0 &lt;script&gt;alert(&#39;notes&#39;)&lt;/script&gt; &amp; &quot;friends&quot;">',
    );
  });

  it("shows no notes for a lightweight tag, and not the commit's message either", async () => {
    const { text } = await anonymous().get('/project/notes/releases/1.0.0');
    expect(text).toContain('None: the tag <code>1.0.0</code> carries no message.');
    expect(text).not.toContain('Commit messages are not notes');
  });

  it('lists the builds of a -dev release, newest first, with their status and commit', async () => {
    await alice('POST', '/api/v1/projects/notes/branches', { branch: '2.0.x' });
    const first = repo.git('rev-parse', 'HEAD');
    await eventually(async () =>
      (await alice('GET', '/api/v1/projects/notes/releases/2.0.x-dev')).body.builds?.[0]?.status === 'published'
        ? true
        : undefined,
    );
    const second = repo.commit({ 'notes.info.yml': 'name: Notes\ntype: module\n', 'notes.module': '<?php\n' });
    await alice('POST', '/api/v1/projects/notes/branches/2.0.x/build');
    const { body } = await eventually(async () => {
      const response = await alice('GET', '/api/v1/projects/notes/releases/2.0.x-dev');
      return response.body.builds?.length === 2 && response.body.builds[0].status === 'published'
        ? response
        : undefined;
    });
    const { text } = await anonymous().get('/project/notes/releases/2.0.x-dev');
    expect(text).toContain('<h2 id="builds">Builds</h2>');
    const rows = [
      ...text.matchAll(
        /<tr><td>(\d+)<\/td><td><span class="badge (\w+)">\w+<\/span><\/td><td><code>([0-9a-f]{12})<\/code>/g,
      ),
    ];
    expect(rows.map(([, id, status, commit]) => [id, status, commit])).toEqual([
      [body.builds[0].id, 'published', second.slice(0, 12)],
      [body.builds[1].id, 'published', first.slice(0, 12)],
    ]);
    expect(text).not.toContain('<h2 id="notes">');
  });
});

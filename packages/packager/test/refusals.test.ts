import { afterAll, describe, expect, it } from 'vitest';
import { createRepo, makeRawRepo, rawTreeWith, writeBlob, type FileSpec, type TestRepo } from '@packhouse/testing';
import net from 'node:net';
import { archives, checkout, GitFetchFailed, GitFetchRefused, SourceRefused, type SourceLimits } from '../src/index.ts';
import { cleanUp, gitOptions, LIMITS } from './git-fixtures.ts';

afterAll(cleanUp);

const TAG = '8.x-1.0';

async function refusal(
  repo: TestRepo,
  opts: { limits?: SourceLimits; tag?: string; allowedSources?: string[]; url?: string } = {},
): Promise<SourceRefused> {
  const error = await checkout({
    project: 'foo',
    gitUrl: opts.url ?? repo.url,
    ref: { tag: opts.tag ?? TAG },
    git: gitOptions(undefined, opts.allowedSources),
    limits: opts.limits ?? LIMITS,
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SourceRefused);
  return error as SourceRefused;
}

async function filesRepo(files: Record<string, FileSpec>): Promise<TestRepo> {
  const repo = await createRepo(files);
  repo.tag(TAG);
  return repo;
}

describe('checkout refuses hostile trees', () => {
  it('symlink_escape: absolute target', async () => {
    const e = await refusal(await filesRepo({ 'a.txt': 'a', link: { symlink: '/etc/passwd' } }));
    expect(e.rule).toBe('symlink_escape');
    expect(e.path).toBe('link');
    expect(e.message).toBe('refused: symlink `link` -> `/etc/passwd` points outside the tree (rule symlink_escape)');
  });

  it('symlink_escape: `..` out of the tree', async () => {
    const e = await refusal(await filesRepo({ 'sub/a.txt': 'a', 'sub/link': { symlink: '../../outside' } }));
    expect([e.rule, e.path]).toEqual(['symlink_escape', 'sub/link']);
  });

  it('symlink_escape: through another symlink', async () => {
    // `dir/up` resolves to the root, which is fine; `out` then climbs one level above it.
    const e = await refusal(
      await filesRepo({ 'dir/a.txt': 'a', 'dir/up': { symlink: '..' }, out: { symlink: 'dir/up/..' } }),
    );
    expect([e.rule, e.path]).toEqual(['symlink_escape', 'out']);
  });

  it('symlink_loop', async () => {
    const e = await refusal(await filesRepo({ a: { symlink: 'b' }, b: { symlink: 'a' } }));
    expect(e.rule).toBe('symlink_loop');
  });

  it('symlink_target_invalid: target over 4096 bytes', async () => {
    const repo = await makeRawRepo((r) =>
      rawTreeWith(r, [{ name: 'link', mode: '120000', content: 'x/'.repeat(2100) }]),
    );
    expect((await refusal(repo)).rule).toBe('symlink_target_invalid');
  });

  it('path_traversal: a `..` component', async () => {
    const repo = await makeRawRepo((r) => {
      const inner = rawTreeWith(r, [{ name: 'evil.php', content: '<?php' }]);
      return rawTreeWith(r, [{ name: '..', mode: '40000', oid: inner }]);
    });
    const e = await refusal(repo);
    // git's own object checks (transfer.fsckObjects) refuse such a tree as it arrives.
    expect(e.rule).toBe('git_objects_invalid');
    expect(e.message).toMatch(/^refused: git refused a malformed object \(hasDotdot\)/);
  });

  it('path_git_dir: a `.git` component in any case', async () => {
    const repo = await makeRawRepo((r) => {
      const inner = rawTreeWith(r, [{ name: 'config', content: '[core]\n\tfsmonitor = evil\n' }]);
      return rawTreeWith(r, [{ name: '.GIT', mode: '40000', oid: inner }]);
    });
    const e = await refusal(repo);
    expect(e.rule).toBe('git_objects_invalid');
    expect(e.message).toContain('(hasDotgit)');
  });

  it('path_not_utf8', async () => {
    const repo = await makeRawRepo((r) =>
      rawTreeWith(r, [{ name: Buffer.from([0x66, 0xff, 0x2e, 0x74]), content: 'x' }]),
    );
    expect((await refusal(repo)).rule).toBe('path_not_utf8');
  });

  it('path_backslash', async () => {
    const repo = await makeRawRepo((r) => rawTreeWith(r, [{ name: '..\\evil.php', content: 'x' }]));
    expect((await refusal(repo)).rule).toBe('path_backslash');
  });

  it('path_conflict: the same name twice', async () => {
    const repo = await makeRawRepo((r) =>
      rawTreeWith(r, [
        { name: 'a', content: 'x' },
        { name: 'a', content: 'y' },
      ]),
    );
    const e = await refusal(repo);
    expect(e.rule).toBe('git_objects_invalid');
    expect(e.message).toContain('(duplicateEntries)');
  });

  it('submodule: a gitlink', async () => {
    const repo = await makeRawRepo((r) =>
      rawTreeWith(r, [
        { name: 'a.txt', content: 'a' },
        { name: 'lib', mode: '160000', oid: '1'.repeat(40) },
      ]),
    );
    const e = await refusal(repo);
    expect([e.rule, e.path]).toEqual(['submodule', 'lib']);
  });

  it('file_too_large, from the listed size', async () => {
    const e = await refusal(await filesRepo({ 'small.txt': 'tiny', 'big.txt': 'x'.repeat(11) }), {
      limits: { ...LIMITS, maxFileBytes: 10 },
    });
    expect([e.rule, e.path]).toEqual(['file_too_large', 'big.txt']);
  });

  it('tree_too_large', async () => {
    const e = await refusal(await filesRepo({ 'a.txt': 'x'.repeat(10), 'b.txt': 'x'.repeat(10) }), {
      limits: { ...LIMITS, maxTotalBytes: 15 },
    });
    expect(e.rule).toBe('tree_too_large');
  });

  it('too_many_files, counting directories', async () => {
    const e = await refusal(await filesRepo({ 'a/b.txt': 'x', 'c.txt': 'x' }), { limits: { ...LIMITS, maxFiles: 2 } });
    expect(e.rule).toBe('too_many_files');
  });

  it('info_file_symlink', async () => {
    const e = await refusal(await filesRepo({ 'real.yml': 'name: x\n', 'foo.info.yml': { symlink: 'real.yml' } }));
    expect([e.rule, e.path]).toEqual(['info_file_symlink', 'foo.info.yml']);
  });

  it('info_file_not_text: NUL byte', async () => {
    const e = await refusal(await filesRepo({ 'foo.info': Buffer.from('name = x\0\n') }));
    expect([e.rule, e.path]).toEqual(['info_file_not_text', 'foo.info']);
  });

  it('info_file_not_text: invalid UTF-8', async () => {
    const e = await refusal(await filesRepo({ 'sub/sub.info.yml': Buffer.from([0x6e, 0x3a, 0xc3, 0x28, 0x0a]) }));
    expect([e.rule, e.path]).toEqual(['info_file_not_text', 'sub/sub.info.yml']);
  });
});

describe('archives refuses a main info file that Drupal would refuse', () => {
  async function archiveRefusal(files: Record<string, FileSpec>): Promise<SourceRefused> {
    const repo = await filesRepo(files);
    const co = await checkout({
      project: 'foo',
      gitUrl: repo.url,
      ref: { tag: TAG },
      git: gitOptions(),
      limits: LIMITS,
    });
    const error = await archives(co, { project: 'foo', version: TAG, type: 'module' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SourceRefused);
    return error as SourceRefused;
  }

  it('core_version_requirement_invalid: a value Composer cannot parse', async () => {
    const e = await archiveRefusal({ 'foo.info.yml': 'name: Foo\ntype: module\ncore_version_requirement: ^9 ||\n' });
    expect([e.rule, e.path]).toEqual(['core_version_requirement_invalid', 'foo.info.yml']);
    expect(e.message).toBe(
      'refused: info file `foo.info.yml` sets core_version_requirement to `^9 ||`, which Composer cannot parse as a version constraint (rule core_version_requirement_invalid)',
    );
  });

  it('core_version_requirement_invalid: not a string', async () => {
    const e = await archiveRefusal({ 'foo.info.yml': 'name: Foo\ncore_version_requirement: 10\n' });
    expect(e.rule).toBe('core_version_requirement_invalid');
  });

  it('info_file_not_yaml', async () => {
    const e = await archiveRefusal({ 'foo.info.yml': 'name: Foo\ncore_version_requirement: >=8.7.7 <9\n' });
    expect([e.rule, e.path]).toEqual(['info_file_not_yaml', 'foo.info.yml']);
  });

  it('reads a folded value, and leaves other info files to Drupal', async () => {
    const repo = await filesRepo({
      'foo.info.yml': 'name: Foo\ncore_version_requirement: >-\n  ^10.3 ||\n  ^11\n',
      'modules/sub/sub.info.yml': 'name: Sub\ncore_version_requirement: banana\n',
    });
    const co = await checkout({
      project: 'foo',
      gitUrl: repo.url,
      ref: { tag: TAG },
      git: gitOptions(),
      limits: LIMITS,
    });
    const built = await archives(co, { project: 'foo', version: TAG, type: 'module' });
    built.tarGz.destroy();
    built.zip.destroy();
    expect(built.coreCompatibility).toBe('^10.3 || ^11');
  });
});

describe('checkout refuses bad refs', () => {
  it('tag_not_found', async () => {
    const e = await refusal(await filesRepo({ 'a.txt': 'a' }), { tag: '8.x-9.9' });
    expect(e.rule).toBe('tag_not_found');
  });

  it('tag_not_a_commit: a tag pointing at a tree', async () => {
    const repo = await createRepo({ 'a.txt': 'a' });
    repo.tag(TAG, { ref: repo.git('rev-parse', 'HEAD^{tree}') });
    const e = await refusal(repo);
    expect(e.rule).toBe('tag_not_a_commit');
    expect(e.message).toBe('refused: tag `8.x-1.0` points at a tree, not a commit (rule tag_not_a_commit)');
  });

  it('tag_not_a_commit: a tag pointing at a blob', async () => {
    const repo = await createRepo({ 'a.txt': 'a' });
    repo.tag(TAG, { ref: writeBlob(repo, 'just a blob') });
    expect((await refusal(repo)).rule).toBe('tag_not_a_commit');
  });

  it('tag_not_a_commit: an annotated tag of a tree', async () => {
    const repo = await makeRawRepo((r) => rawTreeWith(r, [{ name: 'a.txt', content: 'a' }]));
    const tree = rawTreeWith(repo, [{ name: 'b.txt', content: 'b' }]);
    repo.tag('8.x-1.1', { ref: tree, annotated: true });
    const e = await refusal(repo, { tag: '8.x-1.1' });
    expect(e.rule).toBe('tag_not_a_commit');
    expect(e.message).toContain('points at a tree');
  });

  it.each(['-x', '--upload-pack=touch', 'a..b', 'a b', 'x:y', 'v1^{}', 'refs.lock'])(
    'ref_invalid: %j',
    async (name) => {
      const e = await refusal(await filesRepo({ 'a.txt': 'a' }), { tag: name });
      expect(e.rule).toBe('ref_invalid');
    },
  );
});

describe('checkout refuses git URLs outside the allowlist', () => {
  const repo = () => filesRepo({ 'a.txt': 'a' });
  const https = ['https://git.drupalcode.org/project/'];

  it.each([
    ['another host', 'https://github.com/evil/foo.git', https],
    ['a transport helper', 'ext::sh -c touch% /tmp/pwned', ['ext::', 'https://']],
    ['fd:: transport', 'fd::3', https],
    ['an allowed prefix followed by ::', 'https://git.drupalcode.org/project/foo::x', https],
    ['file:// when no file source is allowed', 'file:///tmp/foo', https],
    ['a bare local path', '/tmp/foo', https],
    ['an scp-like address', 'git@git.drupalcode.org:project/foo.git', https],
    ['plain http', 'http://git.drupalcode.org/project/foo.git', ['http://git.drupalcode.org/project/']],
    ['credentials', 'https://user:pw@git.drupalcode.org/project/foo.git', ['https://']],
    ['a `..` segment', 'https://git.drupalcode.org/project/../evil/foo.git', https],
    ['a backslash', 'https://git.drupalcode.org/project/foo\\@evil.example/x.git', https],
    ['an encoded `..` segment', 'file:///srv/git/%2e%2e/etc', ['file:///srv/git/']],
  ])('git_url_not_allowed: %s', async (_why, url, allowedSources) => {
    const e = await refusal(await repo(), { url, allowedSources });
    expect(e.rule).toBe('git_url_not_allowed');
  });
});

describe('git URLs are compared as parsed parts, not as string prefixes', () => {
  const repo = () => filesRepo({ 'a.txt': 'a' });

  it.each([
    [
      'a longer host that starts with the allowed one',
      'https://gitlab.example.org.evil.tld/x.git',
      ['https://gitlab.example.org'],
    ],
    ['the allowed host as user info', 'https://gitlab.example.org@evil.tld/x.git', ['https://gitlab.example.org']],
    ['another port', 'https://gitlab.example.org:8443/group/x.git', ['https://gitlab.example.org/group/']],
    [
      'a path that only starts like the allowed one',
      'https://gitlab.example.org/groupevil/x.git',
      ['https://gitlab.example.org/group'],
    ],
    ['an encoded slash', 'https://gitlab.example.org/group%2f..%2fother/x.git', ['https://gitlab.example.org/group/']],
    ['an encoded backslash', 'https://gitlab.example.org/group/a%5Cb.git', ['https://gitlab.example.org/group/']],
    ['an encoded dot', 'https://gitlab.example.org/group/%2E%2E/x.git', ['https://gitlab.example.org/group/']],
    ['a query', 'https://gitlab.example.org/group/x.git?a=b', ['https://gitlab.example.org/group/']],
  ])('git_url_not_allowed: %s', async (_why, url, allowedSources) => {
    const e = await refusal(await repo(), { url, allowedSources });
    expect(e.rule).toBe('git_url_not_allowed');
  });

  it.each([
    ['https://127.0.0.1/x.git', 'loopback'],
    ['https://10.0.0.5/x.git', 'private'],
    ['https://169.254.169.254/latest/meta-data', 'metadata'],
    ['https://2130706433/x.git', 'loopback'],
    ['https://0x7f.1/x.git', 'loopback'],
    // Written out: a literal with `::` is refused earlier, as a transport helper.
    ['https://[0:0:0:0:0:ffff:7f00:1]/x.git', 'ipv4-mapped'],
    ['https://[fd00:ec2:0:0:0:0:0:254]/x.git', 'metadata'],
    ['https://localhost/x.git', 'loopback'],
  ])('address_forbidden at fetch time: %s', async (url, addressClass) => {
    const e = await refusal(await repo(), { url, allowedSources: ['https://'] });
    expect(e.rule).toBe('address_forbidden');
    expect(e.message).toContain(`is a ${addressClass} address`);
  });
});

describe('git fetch failures: permanent ones refuse at once, transient ones stay plain errors', () => {
  it('a missing repository is permanent, its git output kept apart from the public message', async () => {
    const error = await checkout({
      project: 'foo',
      gitUrl: 'file:///nonexistent/repo.git',
      ref: { tag: TAG },
      git: gitOptions(),
      limits: LIMITS,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitFetchRefused);
    expect((error as GitFetchRefused).message).toBe('git_fetch_failed: repository not found');
    expect((error as GitFetchRefused).detail).toContain(
      "'/nonexistent/repo.git' does not appear to be a git repository",
    );
  });

  it('a host that refuses connections is transient', async () => {
    // A loopback port with nothing listening; loopback allowed as the tests' setting does.
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const error = await checkout({
      project: 'foo',
      gitUrl: `https://127.0.0.1:${port}/x.git`,
      ref: { tag: TAG },
      git: { ...gitOptions(undefined, ['https://']), allowLoopback: true },
      limits: LIMITS,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitFetchFailed);
    expect((error as GitFetchFailed).message).toBe('git_fetch_failed: could not connect');
    expect((error as GitFetchFailed).detail).toMatch(/Failed to connect to 127\.0\.0\.1 port \d+/);
  });
});

describe('transient failures are plain errors', () => {
  it('a timeout', async () => {
    const repo = await filesRepo({ 'a.txt': 'a' });
    const error = await checkout({
      project: 'foo',
      gitUrl: repo.url,
      ref: { tag: TAG },
      git: { ...gitOptions(), timeoutMs: 1 },
      limits: LIMITS,
    }).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(SourceRefused);
    expect(String(error)).toMatch(/timed out after 1 ms/);
  });
});

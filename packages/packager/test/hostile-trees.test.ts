import { afterAll, describe, expect, it } from 'vitest';
import { createRepo, makeRawRepo, rawTreeWith, type FileSpec, type TestRepo } from '@packhouse/testing';
import { archives, checkout, SourceRefused } from '../src/index.ts';
import { readInfoIni } from '../src/info-ini.ts';
import { cleanUp, gitOptions, LIMITS } from './git-fixtures.ts';

afterAll(cleanUp);

const TAG = '7.x-1.0';

async function tagged(files: Record<string, FileSpec>): Promise<TestRepo> {
  const repo = await createRepo(files);
  repo.tag(TAG);
  return repo;
}

async function refusal(repo: TestRepo, { packaging = false } = {}): Promise<SourceRefused> {
  const error = await checkout({
    project: 'foo',
    gitUrl: repo.url,
    ref: { tag: TAG },
    git: gitOptions(),
    limits: LIMITS,
  })
    .then(async (co) => {
      if (!packaging) return undefined;
      const built = await archives(co, { project: 'foo', version: TAG, type: 'module' });
      built.tarGz.destroy();
      built.zip.destroy();
      return undefined;
    })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SourceRefused);
  return error as SourceRefused;
}

describe('trees that unpack differently on other systems are refused', () => {
  it('path_case_collision: `B/a` and `b/A`', async () => {
    const e = await refusal(await tagged({ 'B/a': 'one', 'b/A': 'two' }));
    expect(e.rule).toBe('path_case_collision');
    expect(e.message).toContain('are the same file on case-insensitive or normalising file systems');
  });

  it('path_case_collision: an NFC name and its NFD twin', async () => {
    const nfc = 'caf\u00e9.php';
    const nfd = 'cafe\u0301.php';
    expect(nfc).not.toBe(nfd);
    const e = await refusal(await tagged({ [nfc]: '<?php // one', [nfd]: '<?php // two' }));
    expect(e.rule).toBe('path_case_collision');
  });

  it('path_case_collision: a symlink whose check could be escaped through another spelling', async () => {
    // `Dir` is a real folder and `dir` a link out of the tree: on macOS they are one name.
    const e = await refusal(await tagged({ 'Dir/a.txt': 'a', dir: { symlink: 'Dir' } }));
    expect(e.rule).toBe('path_case_collision');
  });
});

describe('symlink resolution is bounded', () => {
  it('symlink_too_many: over a thousand links', async () => {
    const files: Record<string, FileSpec> = { 'target.txt': 'x' };
    for (let i = 0; i < 1001; i++) files[`l/${i}`] = { symlink: '../target.txt' };
    const e = await refusal(await tagged(files));
    expect(e.rule).toBe('symlink_too_many');
    expect(e.message).toContain('over the limit of 1000');
  });

  it('symlink_too_complex: a long target walked through a chain of links', async () => {
    // Each `a` is the folder itself again: 2,000 components that stay inside the tree.
    const e = await refusal(await tagged({ 'd/a': { symlink: '.' }, 'd/link': { symlink: 'a/'.repeat(2000) + 'x' } }));
    expect(['symlink_too_complex', 'symlink_loop']).toContain(e.rule);
  });

  it('symlink_too_complex: a target resolving to a path longer than any OS resolves', async () => {
    const folder = `${'d'.repeat(200)}/`.repeat(10);
    const e = await refusal(await tagged({ [`${folder}link`]: { symlink: `${'x'.repeat(200)}/`.repeat(15) + 'y' } }));
    expect(e.rule).toBe('symlink_too_complex');
    expect(e.message).toContain('over 4096 bytes');
  });
});

describe('info files are bounded before they are read', () => {
  it('info_file_too_large: over 1 MB, refused from the size git lists', async () => {
    const repo = await tagged({ 'foo.info.yml': `name: Foo\ndescription: '${'x'.repeat(1024 * 1024)}'\n` });
    const e = await refusal(repo);
    expect([e.rule, e.path]).toEqual(['info_file_too_large', 'foo.info.yml']);
  });

  it('info_file_too_deep: YAML nested 200,000 levels (seconds of parsing and a blown stack)', async () => {
    const e = await refusal(
      await tagged({ 'foo.info.yml': `name: Foo\nx: ${'['.repeat(200_000)}${']'.repeat(200_000)}\n` }),
      { packaging: true },
    );
    expect([e.rule, e.path]).toEqual(['info_file_too_deep', 'foo.info.yml']);
  });

  it('info_file_too_deep: block nesting by indentation', async () => {
    const deep = Array.from({ length: 40 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n');
    const e = await refusal(await tagged({ 'foo.info.yml': `name: Foo\n${deep} 1\n` }), { packaging: true });
    expect(e.rule).toBe('info_file_too_deep');
  });

  it('info_file_not_yaml: aliases expanding past the limit (billion laughs)', async () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      lines.push(
        `${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(10)
          .fill(`*${'abcdefghi'[i - 1]}`)
          .join(', ')}]`,
      );
    const e = await refusal(await tagged({ 'foo.info.yml': `name: Foo\n${lines.join('\n')}\n` }), { packaging: true });
    expect(e.rule).toBe('info_file_not_yaml');
  });

  it('accepts an ordinary info.yml', async () => {
    const repo = await tagged({
      'foo.info.yml':
        'name: Foo\ntype: module\ncore_version_requirement: ^10 || ^11\ndependencies:\n  - drupal:views\nconfig:\n  nested:\n    - [a, {b: c}]\n',
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
    expect(built.coreCompatibility).toBe('^10 || ^11');
  });
});

describe('legacy .info files are read as Drupal 7 reads them before lines are appended', () => {
  it('info_file_not_ini: an unterminated quote would swallow the injected version', async () => {
    const content = 'name = Foo\ndescription = "Swallows everything after it\ncore = 7.x\n';
    expect(readInfoIni(content).unterminated).toEqual(['description']);
    const e = await refusal(await tagged({ 'foo.info': content }));
    expect([e.rule, e.path]).toEqual(['info_file_not_ini', 'foo.info']);
    expect(e.message).toContain('the value of `description` opens a quote that never closes');
  });

  it('accepts quotes that close, escaped quotes and array keys', async () => {
    const repo = await tagged({
      'foo.info':
        'name = "Foo"\ndescription = "Say \\"hi\\"\nover two lines"\ndependencies[] = views\nfiles[] = foo.test\n',
    });
    const co = await checkout({
      project: 'foo',
      gitUrl: repo.url,
      ref: { tag: TAG },
      git: gitOptions(),
      limits: LIMITS,
    });
    expect(co.entries.map((entry) => entry.path)).toContain('foo.info');
  });
});

describe('raw trees git itself refuses', () => {
  it('git_objects_invalid: fsck on fetch refuses `..` before anything is listed', async () => {
    const repo = await makeRawRepo(
      (r) => rawTreeWith(r, [{ name: '..', mode: '40000', oid: rawTreeWith(r, [{ name: 'x', content: 'x' }]) }]),
      TAG,
    );
    expect((await refusal(repo)).rule).toBe('git_objects_invalid');
  });
});

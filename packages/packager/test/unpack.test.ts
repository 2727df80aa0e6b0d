import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { readTarGz, readZip } from '@packhouse/testing';
import { planDirectory, SourceRefused, tarGz, unpackTarGz, unpackZip, zip, type ArchivePlan } from '../src/index.ts';
import { cleanUp, LIMITS, tempDir } from './git-fixtures.ts';

afterAll(cleanUp);

type Entry = {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device';
  content?: string;
  linkname?: string;
  mode?: number;
};

/** A tar.gz written entry by entry, hostile ones included, as an attacker would. */
async function tarball(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const { name, type = 'file', content = '', linkname, mode = 0o644 } of entries) {
    if (type === 'file') pack.entry({ name, mode }, content);
    else pack.entry({ name, type, linkname, mode });
  }
  pack.finalize();
  return buffer(pack.pipe(createGzip()));
}

async function unpackRefusal(entries: Entry[], strip?: string): Promise<SourceRefused> {
  const dest = tempDir();
  const error = await unpackTarGz(Readable.from([await tarball(entries)]), dest, {
    limits: LIMITS,
    ...(strip && { strip }),
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SourceRefused);
  return error as SourceRefused;
}

describe('unpacking archives under the git-source rules', () => {
  it('unpacks files, folders, modes and in-tree symlinks, stripping the top folder', async () => {
    const dest = tempDir();
    const bytes = await tarball([
      { name: 'views/', type: 'directory' },
      { name: 'views/views.info.yml', content: 'name: Views\n' },
      { name: 'views/bin/run.sh', content: '#!/bin/sh\n', mode: 0o755 },
      { name: 'views/docs/link.md', type: 'symlink', linkname: '../views.info.yml' },
    ]);
    await unpackTarGz(Readable.from([bytes]), dest, { limits: LIMITS, strip: 'views' });
    expect(readFileSync(path.join(dest, 'views.info.yml'), 'utf8')).toBe('name: Views\n');
    expect(
      execFileSync('stat', ['-c', '%a', path.join(dest, 'bin/run.sh')])
        .toString()
        .trim(),
    ).toBe('755');
    expect(readlinkSync(path.join(dest, 'docs/link.md'))).toBe('../views.info.yml');
  });

  it.each([
    ['path_traversal', [{ name: 'views/../../evil.php' }], 'path `../../evil.php` has a `..` component'],
    [
      'archive_layout',
      [{ name: '/etc/cron.d/evil' }],
      "entry `/etc/cron.d/evil` is not inside the archive's top folder `views`",
    ],
    [
      'symlink_escape',
      [{ name: 'views/link', type: 'symlink', linkname: '../../../etc/passwd' }],
      'symlink `link` -> `../../../etc/passwd` points outside the tree',
    ],
    [
      'symlink_escape',
      [{ name: 'views/abs', type: 'symlink', linkname: '/etc' }],
      'symlink `abs` -> `/etc` points outside the tree',
    ],
    [
      'path_git_dir',
      [{ name: 'views/.git/hooks/post-checkout' }],
      'path `.git/hooks/post-checkout` has a `.git` component',
    ],
    [
      'mode_invalid',
      [{ name: 'views/hard', type: 'link', linkname: 'views/a' }],
      'entry `hard` is a link; only files, folders and symlinks are allowed',
    ],
    [
      'mode_invalid',
      [{ name: 'views/dev', type: 'character-device' }],
      'entry `dev` is a character-device; only files, folders and symlinks are allowed',
    ],
    ['path_conflict', [{ name: 'views/a' }, { name: 'views/a' }], 'entry `a` appears twice'],
  ] as Array<[string, Entry[], string]>)('refuses %s: %s', async (rule, entries, detail) => {
    const error = await unpackRefusal(entries, 'views');
    expect(error.rule).toBe(rule);
    expect(error.message).toBe(`refused: ${detail} (rule ${rule})`);
  });

  it('never writes through a symlink: a link followed by a file under it is a conflict', async () => {
    const dest = tempDir();
    // Were links made as they came, `lib/x.js` would land wherever `lib` points.
    const bytes = await tarball([
      { name: 'lib', type: 'symlink', linkname: 'sub' },
      { name: 'sub/', type: 'directory' },
      { name: 'lib/x.js', content: 'x' },
    ]);
    const error = await unpackTarGz(Readable.from([bytes]), dest, { limits: LIMITS }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      rule: 'path_conflict',
      message: 'refused: symlink `lib` collides with other entries (rule path_conflict)',
    });
    expect(existsSync(path.join(dest, 'sub/x.js'))).toBe(false);
  });

  it('enforces the size and count limits while unpacking', async () => {
    const dest = tempDir();
    const bytes = await tarball([{ name: 'a.bin', content: 'x'.repeat(2000) }]);
    await expect(
      unpackTarGz(Readable.from([bytes]), dest, { limits: { ...LIMITS, maxFileBytes: 1000 } }),
    ).rejects.toMatchObject({ rule: 'file_too_large' });
    const many = await tarball(Array.from({ length: 5 }, (_, i) => ({ name: `f${i}` })));
    await expect(
      unpackTarGz(Readable.from([many]), tempDir(), { limits: { ...LIMITS, maxFiles: 3 } }),
    ).rejects.toMatchObject({ rule: 'too_many_files' });
  });

  it('unpacks a zip made by the zip tool and refuses a zip-slip entry', async () => {
    const work = tempDir();
    mkdirSync(path.join(work, 'src/chosen'), { recursive: true });
    writeFileSync(path.join(work, 'src/chosen/chosen.js'), '// chosen\n');
    execFileSync('zip', ['-qr', path.join(work, 'ok.zip'), 'chosen'], { cwd: path.join(work, 'src') });
    const dest = tempDir();
    await unpackZip(path.join(work, 'ok.zip'), dest, { limits: LIMITS });
    expect(readFileSync(path.join(dest, 'chosen/chosen.js'), 'utf8')).toBe('// chosen\n');

    // zip -r stores names as given on the command line: `../` included.
    mkdirSync(path.join(work, 'deep/inner'), { recursive: true });
    writeFileSync(path.join(work, 'deep/evil.php'), '<?php evil();\n');
    execFileSync('zip', ['-q', path.join(work, 'slip.zip'), '../evil.php'], { cwd: path.join(work, 'deep/inner') });
    const error = await unpackZip(path.join(work, 'slip.zip'), tempDir(), { limits: LIMITS }).catch((e: unknown) => e);
    expect(error).toMatchObject({ rule: 'path_traversal' });
  });
});

describe('archiving a folder on disk', () => {
  function tree(order: string[]): string {
    const dir = tempDir();
    const files: Record<string, string> = {
      'b/z.txt': 'z\n',
      'a.txt': 'a\n',
      'b/a.php': '<?php\n',
      'run.sh': '#!/bin/sh\n',
    };
    for (const name of order) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), files[name]!);
      utimesSync(path.join(dir, name), Math.random() * 1e9, Math.random() * 1e9);
    }
    chmodSync(path.join(dir, 'run.sh'), 0o700);
    chmodSync(path.join(dir, 'a.txt'), 0o600);
    symlinkSync('b/a.php', path.join(dir, 'link.php'));
    return dir;
  }
  const bytes = async (plan: ArchivePlan, kind: 'tar' | 'zip') => buffer(kind === 'tar' ? tarGz(plan) : zip(plan));

  it('writes the same bytes whatever order, times and modes the files were created with', async () => {
    const one = await planDirectory(tree(['a.txt', 'b/z.txt', 'b/a.php', 'run.sh']), 'site', 1_764_288_000, LIMITS);
    const two = await planDirectory(tree(['run.sh', 'b/a.php', 'b/z.txt', 'a.txt']), 'site', 1_764_288_000, LIMITS);
    for (const kind of ['tar', 'zip'] as const)
      expect((await bytes(one, kind)).equals(await bytes(two, kind))).toBe(true);
    const entries = await readTarGz(await bytes(one, 'tar'));
    expect(entries.map((e) => [e.name, e.mode, e.mtime])).toEqual([
      ['site/', 0o755, 1_764_288_000],
      ['site/a.txt', 0o644, 1_764_288_000],
      ['site/b/', 0o755, 1_764_288_000],
      ['site/b/a.php', 0o644, 1_764_288_000],
      ['site/b/z.txt', 0o644, 1_764_288_000],
      ['site/link.php', 0o777, 1_764_288_000],
      ['site/run.sh', 0o755, 1_764_288_000],
    ]);
    const zipped = await readZip(await bytes(one, 'zip'));
    expect(zipped.map((e) => e.name)).toEqual(entries.map((e) => e.name));
  });

  it('refuses a symlink that leaves the folder', async () => {
    const dir = tempDir();
    symlinkSync('../../etc/passwd', path.join(dir, 'link'));
    await expect(planDirectory(dir, 'site', 0, LIMITS)).rejects.toMatchObject({ rule: 'symlink_escape' });
  });
});

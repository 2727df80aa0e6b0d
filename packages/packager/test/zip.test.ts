import { randomBytes } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { createRepo, readZip, removeRepos } from '@packhouse/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { archives, checkout } from '../src/index.ts';
import { cleanUp, gitOptions, LIMITS } from './git-fixtures.ts';

describe('zip writer', () => {
  afterAll(() => {
    cleanUp();
    removeRepos();
  });

  it('streams files too large to deflate whole, with a data descriptor, next to whole ones', async () => {
    // 3 MiB incompressible + 5 MiB of one byte: above the whole-file limit, so streamed.
    const big = Buffer.concat([randomBytes(3 * 1024 * 1024), Buffer.alloc(5 * 1024 * 1024, 'a')]);
    const repo = await createRepo({
      'big.bin': big,
      'x.info.yml': 'name: X\ntype: module\n',
      'small.txt': 'hello\n',
      link: { symlink: 'small.txt' },
    });
    repo.tag('1.0.0');
    const source = await checkout({
      project: 'x',
      gitUrl: repo.url,
      ref: { tag: '1.0.0' },
      git: gitOptions(),
      limits: { ...LIMITS, maxFileBytes: 16 * 1024 * 1024 },
    });
    const built = await archives(source, { project: 'x', version: '1.0.0', type: 'module' });
    built.tarGz.destroy();
    const entries = await readZip(await buffer(built.zip));

    expect(entries.map((entry) => [entry.name, entry.type, entry.mode])).toEqual([
      ['x/', 'directory', 0o755],
      ['x/big.bin', 'file', 0o644],
      ['x/link', 'symlink', 0o777],
      ['x/small.txt', 'file', 0o644],
      ['x/x.info.yml', 'file', 0o644],
    ]);
    expect(entries[1]!.content.equals(big)).toBe(true);
    expect(entries[2]!.content.toString()).toBe('small.txt');
    expect(entries[4]!.content.toString()).toContain("version: '1.0.0'");
  });
});

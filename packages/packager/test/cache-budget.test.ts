import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRepo } from '@packhouse/testing';
import { checkout, enforceCacheBudget } from '../src/index.ts';
import { cleanUp, gitOptions, LIMITS, tempDir } from './git-fixtures.ts';

afterAll(cleanUp);

const TAG = '8.x-1.0';

async function fetchInto(cacheDir: string, project: string, cacheBytes?: number): Promise<void> {
  const repo = await createRepo({ [`${project}.info.yml`]: `name: ${project}\n`, 'data.txt': project.repeat(5_000) });
  repo.tag(TAG);
  await checkout({
    project,
    gitUrl: repo.url,
    ref: { tag: TAG },
    git: { ...gitOptions(cacheDir), cacheBytes },
    limits: LIMITS,
  });
}

/** Dates a repository's last use `secondsAgo`. */
async function usedAgo(cacheDir: string, project: string, secondsAgo: number): Promise<void> {
  const at = new Date(Date.now() - secondsAgo * 1000);
  await utimes(join(cacheDir, `${project}.git`, 'packhouse-last-used'), at, at);
}

describe('the git cache disk budget', () => {
  it('removes the least recently used repositories until the cache fits, sparing recent ones', async () => {
    const cacheDir = tempDir();
    for (const project of ['alpha', 'beta', 'gamma']) await fetchInto(cacheDir, project);
    await usedAgo(cacheDir, 'alpha', 300);
    await usedAgo(cacheDir, 'beta', 600);
    await usedAgo(cacheDir, 'gamma', 100);
    const { bytes } = await enforceCacheBudget(cacheDir, Number.MAX_SAFE_INTEGER, 0);
    // Room for about two of three: beta, used longest ago, goes.
    const result = await enforceCacheBudget(cacheDir, Math.floor((bytes * 2) / 3) + 1024, 0);
    expect(result.evicted).toEqual(['beta.git']);
    expect(existsSync(join(cacheDir, 'beta.git'))).toBe(false);
    expect(existsSync(join(cacheDir, 'alpha.git'))).toBe(true);
    // Nothing used within the grace period is removed, however full the cache.
    expect((await enforceCacheBudget(cacheDir, 1, 60 * 60 * 1000)).evicted).toEqual([]);
  });

  it('is enforced by every checkout, and a removed repository is fetched again when needed', async () => {
    const cacheDir = tempDir();
    await fetchInto(cacheDir, 'one');
    await usedAgo(cacheDir, 'one', 3600);
    await fetchInto(cacheDir, 'two', 1);
    expect(existsSync(join(cacheDir, 'one.git'))).toBe(false);
    expect(existsSync(join(cacheDir, 'two.git'))).toBe(true);
    await fetchInto(cacheDir, 'one', 1);
    expect(existsSync(join(cacheDir, 'one.git'))).toBe(true);
  });
});

describe('fetching only what packaging needs', () => {
  it('fetches the tag shallow: one commit of a long history', async () => {
    const repo = await createRepo({ 'deep.info.yml': 'name: Deep\n' });
    for (let i = 0; i < 30; i++)
      repo.commit({ 'deep.info.yml': 'name: Deep\n', 'history.txt': `${i}\n`.repeat(1000) }, 1_764_288_000 + i);
    repo.tag(TAG);
    const cacheDir = tempDir();
    const co = await checkout({
      project: 'deep',
      gitUrl: repo.url,
      ref: { tag: TAG },
      git: gitOptions(cacheDir),
      limits: LIMITS,
    });
    const count = execFileSync('git', ['--git-dir', co.repoDir, 'rev-list', '--count', co.commit], {
      encoding: 'utf8',
    }).trim();
    expect(count).toBe('1');
    expect(existsSync(join(co.repoDir, 'shallow'))).toBe(true);
  });
});

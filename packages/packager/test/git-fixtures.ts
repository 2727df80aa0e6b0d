import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeRepos } from '@packhouse/testing';
import type { GitOptions, SourceLimits } from '../src/index.ts';

/** Packager-only settings; repositories come from @packhouse/testing (createRepo, makeRawRepo). */

export const LIMITS: SourceLimits = {
  maxFileBytes: 10 * 1024 * 1024,
  maxTotalBytes: 100 * 1024 * 1024,
  maxFiles: 20_000,
};

const temps: string[] = [];

export function tempDir(prefix = 'packhouse-packager-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** Removes the caches and repositories the tests made; call from afterAll. */
export function cleanUp(): void {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
  removeRepos();
}

export function gitOptions(cacheDir = tempDir(), allowedSources = ['file://']): GitOptions {
  return { cacheDir, allowedSources, timeoutMs: 30_000 };
}

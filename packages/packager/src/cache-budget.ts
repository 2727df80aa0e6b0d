import { readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The git cache's disk budget. Each project's bare repository is marked when a checkout
 * uses it; past the budget, the repositories used least recently are removed (a later
 * release simply fetches its tag again). A repository used within `graceMs` is never
 * removed: a worker of this or another process may still be reading blobs from it.
 */
const MARK = 'packhouse-last-used';

/** Records that a checkout uses this repository now. */
export async function markUsed(repoDir: string): Promise<void> {
  const mark = join(repoDir, MARK);
  const now = new Date();
  await utimes(mark, now, now).catch(() => writeFile(mark, ''));
}

async function sizeOf(path: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(path, { withFileTypes: true }).catch(() => [])) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) total += await sizeOf(child);
    else total += (await stat(child).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

export interface Eviction {
  /** Bytes the cache holds after eviction. */
  bytes: number;
  evicted: string[];
}

/** Removes least recently used repositories until the cache is within `maxBytes`. */
export async function enforceCacheBudget(cacheDir: string, maxBytes: number, graceMs: number): Promise<Eviction> {
  const names = (await readdir(cacheDir).catch(() => [] as string[])).filter((name) => name.endsWith('.git'));
  const repos = await Promise.all(
    names.map(async (name) => {
      const dir = join(cacheDir, name);
      const used = await stat(join(dir, MARK)).then(
        (s) => s.mtimeMs,
        () => 0,
      );
      return { name, dir, used, bytes: await sizeOf(dir) };
    }),
  );
  let bytes = repos.reduce((sum, repo) => sum + repo.bytes, 0);
  const evicted: string[] = [];
  const now = Date.now();
  for (const repo of repos.sort((a, b) => a.used - b.used)) {
    if (bytes <= maxBytes) break;
    if (now - repo.used < graceMs) continue;
    await rm(repo.dir, { recursive: true, force: true });
    bytes -= repo.bytes;
    evicted.push(repo.name);
  }
  return { bytes, evicted };
}

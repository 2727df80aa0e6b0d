import { orphans, type Executor } from '@packhouse/db';
import { ARCHIVES_PREFIX, keys } from '@packhouse/storage';
import type { Registry } from './context.ts';

/**
 * Deletes archive objects that no release file names, older than `olderThanMs`: what a
 * crashed attempt (a worker killed between upload and publish, or before its cleanup)
 * left behind. An object of a release still being built is kept whatever its age, since
 * an attempt may be about to publish it; once the release finishes, a leftover is swept.
 * Idempotent: several workers sweeping at once delete the same keys.
 */
export async function sweepOrphans(registry: Registry, olderThanMs: number, now = new Date()): Promise<number> {
  const { storage, db, log } = registry;
  const cutoff = now.getTime() - olderThanMs;
  let removed = 0;
  for await (const page of storage.listPages(ARCHIVES_PREFIX)) {
    const candidates = page
      .filter((object) => object.lastModified.getTime() <= cutoff)
      .flatMap(({ key }) => {
        const owner = keys.archiveOwner(key);
        // A key Packhouse did not write is not ours to delete.
        return owner ? [{ key, ...owner }] : [];
      });
    const orphaned = await unreferenced(db, candidates);
    for (const key of orphaned) await storage.remove(key);
    removed += orphaned.length;
  }
  if (removed > 0) log.info({ objects: removed }, 'Deleted archive objects no release refers to.');
  return removed;
}

async function unreferenced(db: Executor, candidates: orphans.ArchiveObject[]): Promise<string[]> {
  const keep = await orphans.keysToKeep(db, candidates);
  return candidates.map(({ key }) => key).filter((key) => !keep.has(key));
}

import { updateStatus, usage } from '@packhouse/db';
import type { Registry } from './context.ts';
import { weeksBefore } from './usage/iso-week.ts';

/**
 * Drops rows that would otherwise only grow: per-site usage rows of weeks before last week
 * (they only deduplicate within a week; last week's stay for API processes whose clocks
 * straddle Monday 00:00 UTC) and feed change rows superseded by a newer one. The workers
 * run it; it is idempotent, so several running it at once is harmless.
 */
export async function houseKeep(registry: Registry, at = new Date()): Promise<{ usageSites: number; feedChanges: number }> {
  const usageSites = await usage.pruneUsageSites(registry.db, weeksBefore(at, 1));
  const feedChanges = await updateStatus.pruneFeedChanges(registry.db);
  if (usageSites + feedChanges > 0) registry.log.info({ usage_sites: usageSites, feed_changes: feedChanges }, 'Pruned rows no longer needed.');
  return { usageSites, feedChanges };
}

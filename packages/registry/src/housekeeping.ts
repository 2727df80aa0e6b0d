import { changes, sessions, updateStatus, usage } from '@packhouse/db';
import type { Registry } from './context.ts';
import { weeksBefore } from './usage/iso-week.ts';

/**
 * Drops rows that would otherwise only grow: per-site usage rows of weeks before last week
 * (they only deduplicate within a week; last week's stay for API processes whose clocks
 * straddle Monday 00:00 UTC), feed change rows superseded by a newer one, and change feed
 * rows older than CHANGE_RETENTION_DAYS (cursors before them then answer 410). The workers
 * run it; it is idempotent, so several running it at once is harmless.
 */
export async function houseKeep(
  registry: Registry,
  at = new Date(),
): Promise<{ usageSites: number; feedChanges: number; changes: number; sessions: number }> {
  const usageSites = await usage.pruneUsageSites(registry.db, weeksBefore(at, 1));
  const feedChanges = await updateStatus.pruneFeedChanges(registry.db);
  const retained = new Date(at.getTime() - registry.config.mirrors.changeRetentionDays * 24 * 60 * 60 * 1000);
  const changeRows = await changes.pruneChanges(registry.db, retained);
  // Expired browser sessions, and sign-in links a day past their expiry.
  const ended = await sessions.pruneSessions(registry.db);
  if (usageSites + feedChanges + changeRows + ended > 0) {
    registry.log.info(
      { usage_sites: usageSites, feed_changes: feedChanges, changes: changeRows, sessions: ended },
      'Pruned rows no longer needed.',
    );
  }
  return { usageSites, feedChanges, changes: changeRows, sessions: ended };
}

import { builds, distributions, releases } from '@packhouse/db';
import type { Registry } from './context.ts';

/**
 * Postgres is the source of truth: any release or dev build still unfinished after
 * `olderThanMs` is enqueued again. Deterministic job ids make this a no-op while its job
 * still exists.
 */
export async function reconcile(registry: Registry, olderThanMs: number): Promise<number> {
  const [stalledReleases, stalledBuilds, stalledDistributions] = await Promise.all([
    releases.listStalled(registry.db, olderThanMs),
    builds.listStalledBuilds(registry.db, olderThanMs),
    distributions.listStalled(registry.db, olderThanMs),
  ]);
  for (const { id } of stalledReleases) await registry.queue.enqueue(id);
  for (const { id } of stalledBuilds) await registry.queue.enqueueDevBuild(id);
  for (const { id } of stalledDistributions) await registry.queue.enqueueDistribution(id);
  const count = stalledReleases.length + stalledBuilds.length + stalledDistributions.length;
  if (count > 0) registry.log.info({ count }, 'Re-enqueued unfinished packaging work.');
  return count;
}

import { releases } from '@packhouse/db';
import type { Registry } from './context.ts';

/**
 * Postgres is the source of truth: any release still unfinished after `olderThanMs` is
 * enqueued again. The deterministic job id makes this a no-op while its job still exists.
 */
export async function reconcile(registry: Registry, olderThanMs: number): Promise<number> {
  const stalled = await releases.listStalled(registry.db, olderThanMs);
  for (const { id } of stalled) await registry.queue.enqueue(id);
  if (stalled.length > 0) registry.log.info({ count: stalled.length }, 'Re-enqueued unfinished releases.');
  return stalled.length;
}

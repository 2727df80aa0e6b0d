import { distributions } from '@packhouse/db';
import type { Registry } from '../context.ts';

/**
 * Enqueues the distribution build a release's publish transaction created, if any. If
 * Redis is down now, the reconciler enqueues it later (the row is the truth).
 */
export async function enqueueDistributionBuild(registry: Registry, releaseId: string): Promise<void> {
  const build = await distributions.findBuildOfRelease(registry.db, releaseId);
  if (!build || build.status !== 'queued') return;
  await registry.queue.enqueueDistribution(build.id).catch((error: Error) => {
    registry.log.warn(
      { distributionBuild: { id: build.id }, err: error },
      'Could not enqueue the distribution build; the reconciler will.',
    );
  });
}

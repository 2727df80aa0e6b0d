import { distributions, releases } from '@packhouse/db';
import type { Actor, Registry } from '../context.ts';
import { conflict, notFound } from '../errors.ts';
import { requireAccess } from '../permissions.ts';
import { distributionView } from './view.ts';
import type { DistributionView } from '../views.ts';

/**
 * Queues a failed distribution build again (maintainers): after an administrator extended
 * the allowlist, a library host came back, or a pinned release was finally published.
 * The tag itself never changes, so a make file that breaks a rule fails the same way.
 */
export async function retryDistribution(
  registry: Registry,
  actor: Actor,
  projectName: string,
  version: string,
): Promise<DistributionView> {
  const project = await requireAccess(registry, actor, projectName, 'release');
  if (project.type !== 'distribution') throw conflict(`${projectName} is a ${project.type}, not a distribution.`);
  const release = await releases.findRelease(registry.db, project.id, version);
  if (!release) throw notFound(`${projectName} has no release ${version}.`);
  const build = await distributions.requeueFailed(registry.db, release.id);
  if (!build) {
    const current = await distributionView(registry.db, release);
    throw conflict(
      `The distribution build of ${projectName} ${version} is ${current.status}; only a failed one can be retried.`,
    );
  }
  await registry.queue.enqueueDistribution(build.id).catch((error: Error) => {
    registry.log.warn(
      { distributionBuild: { id: build.id }, err: error },
      'Could not enqueue the distribution build; the reconciler will.',
    );
  });
  registry.log.info(
    { project: { name: projectName }, version, distributionBuild: { id: build.id } },
    'Distribution build queued again.',
  );
  return distributionView(registry.db, release);
}

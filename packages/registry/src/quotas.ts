import { quotas } from '@packhouse/db';
import type { Actor, Registry } from './context.ts';
import { DomainError } from './errors.ts';

/**
 * The operator's quotas: how much one user, project or branch may ask of the workers. Each
 * refusal is a 429 naming the setting that set the limit, so a maintainer knows what to
 * ask the operator for. Administrators are not limited in the projects they create.
 */
export function quotaExceeded(setting: string, limit: number, what: string): DomainError {
  return new DomainError('quota_exceeded', 429, `${what}: the limit is ${limit} (${setting}).`);
}

const HOUR = 3600;
const DAY = 24 * HOUR;

export async function checkProjectQuota(registry: Registry, actor: Actor): Promise<void> {
  if (actor.isAdmin) return;
  const limit = registry.config.quotas.projectsPerUser;
  if ((await quotas.countMaintained(registry.db, actor.id)) >= limit) {
    throw quotaExceeded('MAX_PROJECTS_PER_USER', limit, `${actor.name} already maintains ${limit} projects`);
  }
}

export async function checkReleaseQuota(registry: Registry, project: { id: string; name: string }): Promise<void> {
  const limit = registry.config.quotas.releasesPerProjectHour;
  if ((await quotas.countTaggedReleasesSince(registry.db, project.id, HOUR)) >= limit) {
    throw quotaExceeded(
      'MAX_RELEASES_PER_PROJECT_HOUR',
      limit,
      `${project.name} has requested ${limit} releases in the last hour`,
    );
  }
}

export async function checkDevBuildQuota(
  registry: Registry,
  project: { name: string },
  release: { id: string; version: string },
): Promise<void> {
  const limit = registry.config.quotas.devBuildsPerBranchDay;
  if ((await quotas.countBuildsSince(registry.db, release.id, DAY)) >= limit) {
    throw quotaExceeded(
      'MAX_DEV_BUILDS_PER_BRANCH_DAY',
      limit,
      `${project.name} ${release.version} has been built ${limit} times in the last day`,
    );
  }
}

import { builds, releases, type ProjectRow, type ReleaseRow } from '@packhouse/db';
import { InvalidVersion, parseDevBranch } from '@packhouse/versions';
import { claimComposerVersion, insertClaiming } from './composer-claim.ts';
import type { Actor, Registry } from './context.ts';
import { conflict, invalid, notFound } from './errors.ts';
import { checkDevBuildQuota } from './quotas.ts';
import { isApproved } from './approval.ts';
import { requireAccess } from './permissions.ts';
import { getRelease } from './releases.ts';
import type { ReleaseView } from './views.ts';

export type DevBuildRequest =
  | { outcome: 'queued'; buildId: string }
  | { outcome: 'already_queued'; buildId: string }
  | { outcome: 'unchanged'; commit: string };

/** Registers a release branch (`8.x-1.x`, `2.0.x`) as the `-dev` release and packages its head. */
export async function registerBranch(
  registry: Registry,
  actor: Actor,
  projectName: string,
  branch: string,
): Promise<ReleaseView> {
  const project = await requireAccess(registry, actor, projectName, 'release');
  let version: string;
  try {
    version = parseDevBranch(branch).version;
  } catch (error) {
    if (error instanceof InvalidVersion)
      throw invalid(`Branch "${branch}" is not a Drupal release branch: ${error.message}`);
    throw error;
  }
  const composerVersion = await claimComposerVersion(registry.db, project, version);
  const release = await insertClaiming(project, version, composerVersion, () =>
    releases.insertRelease(registry.db, { projectId: project.id, version, tag: branch, kind: 'dev', composerVersion }),
  );
  if (!release) throw conflict(`${projectName} ${version} already exists.`);
  await requestDevBuild(registry, project, release);
  return getRelease(registry, projectName, version);
}

export async function findDevRelease(
  registry: Registry,
  project: ProjectRow,
  branch: string,
): Promise<ReleaseRow | undefined> {
  const release = await releases.findRelease(registry.db, project.id, `${branch}-dev`);
  return release?.kind === 'dev' && release.tag === branch ? release : undefined;
}

/** `POST .../branches/{branch}/build`: package the branch head if it moved. */
export async function buildBranch(
  registry: Registry,
  actor: Actor,
  projectName: string,
  branch: string,
): Promise<DevBuildRequest> {
  const project = await requireAccess(registry, actor, projectName, 'release');
  const release = await findDevRelease(registry, project, branch);
  if (!release) throw notFound(`${projectName} has no registered branch "${branch}".`);
  return requestDevBuild(registry, project, release);
}

/**
 * Queues a build unless the head is known not to have moved (a webhook tells us the new
 * head) or a build already waits: that one will package whatever the head is when it runs.
 */
export async function requestDevBuild(
  registry: Registry,
  project: ProjectRow,
  release: ReleaseRow,
  head?: string,
): Promise<DevBuildRequest> {
  if (head !== undefined && head === release.commit) return { outcome: 'unchanged', commit: head };
  await checkDevBuildQuota(registry, project, release);
  const build = await builds.insertQueuedBuild(registry.db, release.id);
  if (!build) {
    const waiting = await builds.findQueuedBuild(registry.db, release.id);
    if (waiting) return { outcome: 'already_queued', buildId: waiting.id };
    return requestDevBuild(registry, project, release, head);
  }
  // A project awaiting approval keeps its build queued in Postgres until it is approved.
  if (isApproved(project))
    await registry.queue.enqueueDevBuild(build.id).catch((error: Error) => {
      registry.log.warn(
        { build: { id: build.id }, err: error },
        'Could not enqueue the dev build; the reconciler will.',
      );
    });
  registry.log.info(
    { build: { id: build.id }, project: { name: project.name }, version: release.version },
    'Dev build queued.',
  );
  return { outcome: 'queued', buildId: build.id };
}

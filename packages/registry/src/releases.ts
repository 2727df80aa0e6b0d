import { builds, files, releaseNotes, releases, snapshot, type ProjectRow, type ReleaseRow } from '@packhouse/db';
import { releaseStatement } from '@packhouse/signing';
import { InvalidVersion, parseVersion } from '@packhouse/versions';
import { claimComposerVersion, insertClaiming } from './composer-claim.ts';
import type { Actor, Registry } from './context.ts';
import { conflict, invalid, notFound } from './errors.ts';
import { isApproved, withApproval } from './approval.ts';
import { requireAccess } from './permissions.ts';
import { requireProject } from './projects.ts';
import { distributionView } from './distribution/view.ts';
import { checkReleaseQuota } from './quotas.ts';
import { notesView, releaseView, type ReleaseFailureView, type ReleaseView } from './views.ts';

export const RELEASE_TYPES = ['security', 'bugfix', 'feature'] as const;
export type ReleaseType = (typeof RELEASE_TYPES)[number];

export async function requestRelease(
  registry: Registry,
  actor: Actor,
  projectName: string,
  input: { tag: string; releaseTypes?: ReleaseType[] },
): Promise<ReleaseView> {
  const project = await requireAccess(registry, actor, projectName, 'release');
  const release = await createTaggedRelease(registry, project, input.tag, input.releaseTypes ?? []);
  if (!release) throw conflict(`${projectName} ${versionOfTag(input.tag)} already exists.`);
  return withApproval(project, releaseView(registry.config.publicUrl, projectName, release, []));
}

/** Records a tagged release and queues its packaging; undefined when the version exists. */
export async function createTaggedRelease(
  registry: Registry,
  project: ProjectRow,
  tag: string,
  releaseTypes: ReleaseType[],
): Promise<ReleaseRow | undefined> {
  const version = versionOfTag(tag);
  await checkReleaseQuota(registry, project);
  const composerVersion = await claimComposerVersion(registry.db, project, version);
  const release = await insertClaiming(project, version, composerVersion, () =>
    releases.insertRelease(registry.db, {
      projectId: project.id,
      version,
      tag,
      releaseTypes: [...new Set(releaseTypes)],
      composerVersion,
    }),
  );
  if (!release) return undefined;
  await enqueue(registry, project, release);
  registry.log.info({ release: { id: release.id }, project: { name: project.name }, version }, 'Release queued.');
  return release;
}

/** A failed tagged release goes back in the queue; a published one never changes. */
export async function retryRelease(
  registry: Registry,
  actor: Actor,
  projectName: string,
  version: string,
): Promise<ReleaseView> {
  const project = await requireAccess(registry, actor, projectName, 'release');
  const current = await releases.findRelease(registry.db, project.id, version);
  if (!current) throw notFound(`${projectName} has no release ${version}.`);
  if (current.kind === 'dev') throw conflict(`${version} is a dev release: build its branch instead.`);
  const release = await releases.requeueFailed(registry.db, current.id);
  if (!release) throw conflict(`${projectName} ${version} is ${current.status}; only a failed release can be retried.`);
  await enqueue(registry, project, release);
  registry.log.info({ release: { id: release.id }, project: { name: projectName }, version }, 'Release queued again.');
  return withApproval(project, releaseView(registry.config.publicUrl, projectName, release, []));
}

// Enqueued only after the row is committed; if Redis is down now, the reconciler enqueues it later.
// A project awaiting approval keeps its releases queued in Postgres until it is approved.
async function enqueue(registry: Registry, project: ProjectRow, release: ReleaseRow): Promise<void> {
  if (!isApproved(project)) return;
  await registry.queue.enqueue(release.id).catch((error: Error) => {
    registry.log.warn(
      { release: { id: release.id }, err: error },
      'Could not enqueue the release; the reconciler will.',
    );
  });
}

/** The full account of a release's failures, git's output included: maintainers only. */
export async function getReleaseFailure(
  registry: Registry,
  actor: Actor,
  projectName: string,
  version: string,
): Promise<ReleaseFailureView> {
  const project = await requireAccess(registry, actor, projectName, 'release');
  const release = await releases.findRelease(registry.db, project.id, version);
  if (!release) throw notFound(`${projectName} has no release ${version}.`);
  const history = release.kind === 'dev' ? await builds.listBuilds(registry.db, release.id) : [];
  return {
    error: release.error,
    lastError: release.lastError,
    detail: release.errorDetail,
    builds: history.map((build) => ({
      id: build.id,
      error: build.error,
      lastError: build.lastError,
      detail: build.errorDetail,
    })),
  };
}

export async function getRelease(registry: Registry, projectName: string, version: string): Promise<ReleaseView> {
  const project = await requireProject(registry, projectName);
  return snapshot(registry.db, async (tx) => {
    const release = await releases.findRelease(tx, project.id, version);
    if (!release) throw notFound(`${projectName} has no release ${version}.`);
    const rows = await files.listFiles(tx, [release.id]);
    const history = release.kind === 'dev' ? await builds.listBuilds(tx, release.id) : undefined;
    const distribution = project.type === 'distribution' ? await distributionView(tx, release) : undefined;
    const view = withApproval(
      project,
      releaseView(registry.config.publicUrl, projectName, release, rows, history, distribution),
    );
    if (release.kind === 'tag') view.notes = notesView(await releaseNotes.findNotes(tx, release.id));
    // Published before the change feed existed (no statement stored yet): signed as it stands.
    if (view.status === 'published' && view.signature === null) {
      await registry.signing.ready();
      view.signature = registry.signing.signer.sign(releaseStatement(view));
    }
    return view;
  });
}

/** A tag is the version: it must be a Drupal version, and a tagged one (dev releases come from branches). */
function versionOfTag(tag: string): string {
  try {
    const version = parseVersion(tag);
    if (version.isDev) throw invalid(`Tag "${tag}" is a dev version; dev releases are built from branches, not tags.`);
    return version.raw;
  } catch (error) {
    if (error instanceof InvalidVersion) throw invalid(`Tag "${tag}": ${error.message}`);
    throw error;
  }
}

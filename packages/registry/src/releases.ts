import { files, releases } from '@packhouse/db';
import { InvalidVersion, parseVersion } from '@packhouse/versions';
import type { Actor, Registry } from './context.ts';
import { conflict, invalid, notFound } from './errors.ts';
import { requireMaintainedProject, requireProject } from './projects.ts';
import { releaseView, type ReleaseView } from './views.ts';

export const RELEASE_TYPES = ['security', 'bugfix', 'feature'] as const;
export type ReleaseType = (typeof RELEASE_TYPES)[number];

export async function requestRelease(
  registry: Registry,
  actor: Actor,
  projectName: string,
  input: { tag: string; releaseTypes?: ReleaseType[] },
): Promise<ReleaseView> {
  const project = await requireMaintainedProject(registry, actor, projectName);
  const version = versionOfTag(input.tag);
  const release = await releases.insertRelease(registry.db, {
    projectId: project.id,
    version,
    tag: input.tag,
    releaseTypes: [...new Set(input.releaseTypes ?? [])],
  });
  if (!release) throw conflict(`${projectName} ${version} already exists.`);
  // Enqueued only after the row is committed; if Redis is down now, the reconciler enqueues it later.
  await registry.queue.enqueue(release.id).catch((error: Error) => {
    registry.log.warn({ release: { id: release.id }, err: error }, 'Could not enqueue the release; the reconciler will.');
  });
  registry.log.info({ release: { id: release.id }, project: { name: projectName }, version }, 'Release queued.');
  return releaseView(registry.config.publicUrl, projectName, release, []);
}

export async function getRelease(registry: Registry, projectName: string, version: string): Promise<ReleaseView> {
  const project = await requireProject(registry, projectName);
  const release = await releases.findRelease(registry.db, project.id, version);
  if (!release) throw notFound(`${projectName} has no release ${version}.`);
  const rows = await files.listFiles(registry.db, [release.id]);
  return releaseView(registry.config.publicUrl, projectName, release, rows);
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

import { builds, projects, releases, type ProjectRow } from '@packhouse/db';
import type { Actor, Registry } from './context.ts';
import { conflict } from './errors.ts';
import { requireAdmin } from './permissions.ts';
import { requireProject } from './projects.ts';
import type { ReleaseView } from './views.ts';

/**
 * With PROJECT_APPROVAL=admin, a project made by anyone but an administrator starts
 * unapproved: its releases and builds are recorded `queued` but never enqueued, and the
 * worker neither claims nor re-enqueues them (the repositories' claim and stalled queries
 * require an approved project). Approval enqueues everything that waited.
 */
export function isApproved(project: ProjectRow): boolean {
  return project.approvedAt !== null;
}

/** A queued release of an unapproved project says why it waits. */
export function withApproval<T extends Pick<ReleaseView, 'status' | 'reason'>>(project: ProjectRow, view: T): T {
  return view.status === 'queued' && !isApproved(project) ? { ...view, reason: 'awaiting-approval' } : view;
}

export interface AwaitingProject {
  name: string;
  title: string;
  type: ProjectRow['type'];
  gitUrl: string;
  owners: string[];
  createdAt: string;
  /** Releases and builds recorded and waiting for the approval. */
  waiting: number;
}

/** What an administrator reviews: projects awaiting approval, oldest first. */
export async function listAwaitingApproval(registry: Registry, actor: Actor): Promise<AwaitingProject[]> {
  requireAdmin(actor, 'review projects awaiting approval');
  const rows = await projects.listAwaitingApproval(registry.db);
  return Promise.all(
    rows.map(async (project) => {
      const [owners, waitingReleases, waitingBuilds] = await Promise.all([
        projects.listOwnerNames(registry.db, project.id),
        releases.listQueued(registry.db, project.id),
        builds.listQueuedOfProject(registry.db, project.id),
      ]);
      const { name, title, type, gitUrl } = project;
      return {
        name,
        title,
        type,
        gitUrl,
        owners,
        createdAt: project.createdAt.toISOString(),
        waiting: waitingReleases.length + waitingBuilds.length,
      };
    }),
  );
}

export async function approveProject(
  registry: Registry,
  actor: Actor,
  name: string,
): Promise<{ name: string; approved: true; enqueued: number }> {
  requireAdmin(actor, 'approve projects');
  const project = await requireProject(registry, name);
  const approved = await projects.approveProject(registry.db, project.id);
  if (!approved) throw conflict(`${name} is approved already.`);
  const [waitingReleases, waitingBuilds] = await Promise.all([
    releases.listQueued(registry.db, project.id),
    builds.listQueuedOfProject(registry.db, project.id),
  ]);
  // If Redis is down now, the reconciler enqueues them: they are approved and queued in Postgres.
  const enqueue = async (what: () => Promise<void>) =>
    what().catch((error: Error) => registry.log.warn({ err: error }, 'Could not enqueue; the reconciler will.'));
  for (const { id } of waitingReleases) await enqueue(() => registry.queue.enqueue(id));
  for (const { id } of waitingBuilds) await enqueue(() => registry.queue.enqueueDevBuild(id));
  const enqueued = waitingReleases.length + waitingBuilds.length;
  registry.log.info({ project: { name }, by: { name: actor.name }, enqueued }, 'Project approved.');
  return { name, approved: true, enqueued };
}

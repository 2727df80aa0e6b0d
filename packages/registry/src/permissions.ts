import { projects, type MaintainerRole, type ProjectRow, type TokenScope } from '@packhouse/db';
import type { Actor, Registry } from './context.ts';
import { forbidden } from './errors.ts';
import { requireProject } from './projects.ts';

/**
 * The one place that decides who may do what to a project. An action needs both a role on
 * the project and a token scope that allows it; an administrator calling with an
 * `admin`-scoped token may do anything.
 *
 * - `release`: request releases, retries, branch builds. Role: any maintainer. Scope: `release` or `manage`.
 * - `manage`: everything else about the project (support status, webhook secret). Role: any maintainer. Scope:
 * `manage`.
 * - `own`: add and remove maintainers, change roles. Role: `owner`. Scope: `manage`.
 */
export type ProjectAction = 'release' | 'manage' | 'own';

/** Whether the actor, holding `role` on a project (null: none), may perform `action` on it. */
export function can(actor: Actor, role: MaintainerRole | null, action: ProjectAction): boolean {
  return refusal(actor, role, action, '') === null;
}

export const canRelease = (actor: Actor, role: MaintainerRole | null) => can(actor, role, 'release');
export const canManage = (actor: Actor, role: MaintainerRole | null) => can(actor, role, 'manage');
export const canOwn = (actor: Actor, role: MaintainerRole | null) => can(actor, role, 'own');

/** The actor's role on the project: what `can` needs (a page can ask once and show the right forms). */
export function roleOf(registry: Registry, actor: Actor, project: ProjectRow): Promise<MaintainerRole | null> {
  return projects.findRole(registry.db, project.id, actor.id);
}

/** The project, when the actor may perform `action` on it; 404 or a 403 naming what is missing. */
export async function requireAccess(
  registry: Registry,
  actor: Actor,
  name: string,
  action: ProjectAction,
): Promise<ProjectRow> {
  const project = await requireProject(registry, name);
  if (actor.isAdmin) return project;
  const reason = refusal(actor, await roleOf(registry, actor, project), action, name);
  if (reason) throw forbidden(reason);
  return project;
}

/** Refuses anyone but an administrator calling with an `admin`-scoped token. */
export function requireAdmin(actor: Actor, what: string): void {
  if (!actor.isAdmin) throw forbidden(`Only an administrator (with an admin-scoped token) can ${what}.`);
}

const SCOPE_OF: Record<ProjectAction, readonly TokenScope[]> = {
  release: ['release', 'manage'],
  manage: ['manage'],
  own: ['manage'],
};

function refusal(actor: Actor, role: MaintainerRole | null, action: ProjectAction, name: string): string | null {
  if (actor.isAdmin) return null;
  if (role === null) return `Only maintainers of ${name} can do this.`;
  if (action === 'own' && role !== 'owner') return `Only owners of ${name} can change its maintainers.`;
  if (!SCOPE_OF[action].some((scope) => actor.scopes.includes(scope))) {
    return (
      `This token's scopes (${actor.scopes.join(', ')}) do not allow this; it needs the ` +
      `${SCOPE_OF[action].join(' or ')} scope.`
    );
  }
  return null;
}

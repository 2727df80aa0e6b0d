import { projects, reservedNames, users } from '@packhouse/db';
import type { Actor, Registry } from './context.ts';
import { invalid, notFound } from './errors.ts';
import { requireAdmin } from './permissions.ts';
import { MACHINE_NAME, maintainersView, requireProject, type MaintainersView } from './projects.ts';

/** Names only administrators may give a project (`drupal`, core module names...). */
export async function getReservedNames(registry: Registry, actor: Actor): Promise<string[]> {
  requireAdmin(actor, 'read the reserved names');
  return reservedNames.listReservedNames(registry.db);
}

/** Replaces the whole list; projects that already hold a name keep it. */
export async function setReservedNames(registry: Registry, actor: Actor, names: string[]): Promise<string[]> {
  requireAdmin(actor, 'change the reserved names');
  const bad = names.filter((name) => !MACHINE_NAME.test(name));
  if (bad.length > 0)
    throw invalid(`Reserved names must be machine names (${MACHINE_NAME.source}): ${bad.join(', ')}.`);
  const unique = [...new Set(names)].sort();
  await registry.db.transaction().execute((tx) => reservedNames.replaceReservedNames(tx, unique));
  registry.log.info({ by: { name: actor.name }, count: unique.length }, 'Reserved names replaced.');
  return unique;
}

/**
 * Hands a project to another user, who becomes its only maintainer and owner: how an
 * administrator takes a squatted or abandoned name back.
 */
export async function transferProject(
  registry: Registry,
  actor: Actor,
  name: string,
  to: string,
): Promise<MaintainersView> {
  requireAdmin(actor, 'transfer projects');
  const project = await requireProject(registry, name);
  const user = await users.findUserByName(registry.db, to);
  if (!user) throw notFound(`No user named "${to}".`);
  await registry.db.transaction().execute((tx) => projects.replaceMaintainers(tx, project.id, user.id));
  registry.log.info({ project: { name }, to: { name: to }, by: { name: actor.name } }, 'Project transferred.');
  return maintainersView(registry, project.id);
}

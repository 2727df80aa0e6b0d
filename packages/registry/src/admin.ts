import { projects, reservedNames, users } from '@packhouse/db';
import { recordProjectChange } from './changes.ts';
import type { Actor, Registry } from './context.ts';
import { DomainError, invalid, notFound } from './errors.ts';
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
  await registry.db.transaction().execute(async (tx) => {
    await projects.replaceMaintainers(tx, project.id, user.id);
    // The feed's dc:creator is the first maintainer: mirrors rewrite the project's release history.
    await recordProjectChange(registry, tx, project);
  });
  registry.log.info({ project: { name }, to: { name: to }, by: { name: actor.name } }, 'Project transferred.');
  return maintainersView(registry, project.id);
}

/**
 * Deletes a project (administrators only): a name made by mistake, squatted or abandoned
 * before anything was released. A project that published a release is never deleted, as on
 * drupal.org: sites, lock files and mirrors hold its archive URLs and checksums, and a new
 * project under the same name could publish other bytes under the same archive names.
 * Such a project is retired instead (its status `unsupported`, its releases unpublished).
 * Releases still being built keep a project too (a security advisory needs a published
 * release, so it always does). Failed releases go with it. Mirrors learn it from a `project.deleted` change in the same transaction.
 */
export async function deleteProject(registry: Registry, actor: Actor, name: string): Promise<void> {
  requireAdmin(actor, 'delete projects');
  const project = await requireProject(registry, name);
  await registry.db.transaction().execute(async (tx) => {
    const keptReleases = await projects.lockForDeletion(tx, project.id);
    if (!keptReleases) throw notFound(`No project named "${name}".`);
    if (keptReleases.length > 0) {
      const listed = keptReleases.map((release) => `${release.version} (${release.status})`).join(', ');
      throw new DomainError(
        'project_has_releases',
        409,
        `"${name}" has releases that are published or being built: ${listed}. A project that published a ` +
          `release is never deleted (sites and lock files keep its archive URLs); mark it unsupported and ` +
          `unpublish its releases instead.`,
      );
    }
    await recordProjectChange(registry, tx, project, 'project.deleted');
    await projects.deleteProject(tx, project.id);
  });
  registry.log.info({ project: { name }, by: { name: actor.name } }, 'Project deleted.');
}

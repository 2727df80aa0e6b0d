import type { Insertable, Selectable } from 'kysely';
import type { Executor, Tx } from '../connection.ts';
import { sql } from 'kysely';
import type { MaintainerRole, ProjectsTable } from '../schema.ts';

export type ProjectRow = Selectable<ProjectsTable>;

export function insertProject(db: Executor, project: Insertable<ProjectsTable>): Promise<ProjectRow | undefined> {
  return db
    .insertInto('projects')
    .values(project)
    .onConflict((oc) => oc.column('name').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function findProjectByName(db: Executor, name: string): Promise<ProjectRow | undefined> {
  return db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();
}

export function findProjectById(db: Executor, id: string): Promise<ProjectRow | undefined> {
  return db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listMaintainerNames(db: Executor, projectId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('maintainers')
    .innerJoin('users', 'users.id', 'maintainers.userId')
    .select('users.name')
    .where('maintainers.projectId', '=', projectId)
    .orderBy('maintainers.createdAt')
    .orderBy('users.name')
    .execute();
  return rows.map((row) => row.name);
}

export async function listOwnerNames(db: Executor, projectId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('maintainers')
    .innerJoin('users', 'users.id', 'maintainers.userId')
    .select('users.name')
    .where('maintainers.projectId', '=', projectId)
    .where('maintainers.role', '=', 'owner')
    .orderBy('maintainers.createdAt')
    .orderBy('users.name')
    .execute();
  return rows.map((row) => row.name);
}

/** The user's role on the project, or null when they do not maintain it. */
export async function findRole(db: Executor, projectId: string, userId: string): Promise<MaintainerRole | null> {
  const row = await db
    .selectFrom('maintainers')
    .select('role')
    .where('projectId', '=', projectId)
    .where('userId', '=', userId)
    .executeTakeFirst();
  return row?.role ?? null;
}

/** Adds a maintainer, or changes the role of one already there. */
export async function addMaintainer(
  db: Executor,
  projectId: string,
  userId: string,
  role: MaintainerRole = 'maintainer',
): Promise<void> {
  await db
    .insertInto('maintainers')
    .values({ projectId, userId, role })
    .onConflict((oc) => oc.columns(['projectId', 'userId']).doUpdateSet({ role }))
    .execute();
}

/** Transfer: the project's maintainers become exactly `userId`, as its owner. */
export async function replaceMaintainers(tx: Tx, projectId: string, userId: string): Promise<void> {
  await tx.deleteFrom('maintainers').where('projectId', '=', projectId).where('userId', '!=', userId).execute();
  await addMaintainer(tx, projectId, userId, 'owner');
}

/** Projects waiting for an administrator's approval, oldest first (a partial index serves it). */
export function listAwaitingApproval(db: Executor, limit = 500): Promise<ProjectRow[]> {
  return db
    .selectFrom('projects')
    .selectAll()
    .where('approvedAt', 'is', null)
    .orderBy('createdAt')
    .limit(limit)
    .execute();
}

/** Marks an unapproved project approved; undefined when it was approved already. */
export function approveProject(db: Executor, projectId: string): Promise<ProjectRow | undefined> {
  return db
    .updateTable('projects')
    .set({ approvedAt: sql<Date>`now()` })
    .where('id', '=', projectId)
    .where('approvedAt', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

export async function removeMaintainer(db: Executor, projectId: string, userId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('maintainers')
    .where('projectId', '=', projectId)
    .where('userId', '=', userId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Locks the project's maintainer rows so that two removals cannot leave it without an owner. */
export function lockMaintainers(tx: Tx, projectId: string): Promise<{ userId: string; role: MaintainerRole }[]> {
  return tx
    .selectFrom('maintainers')
    .select(['userId', 'role'])
    .where('projectId', '=', projectId)
    .forUpdate()
    .execute();
}

export async function setWebhookSecret(db: Executor, projectId: string, secret: string): Promise<void> {
  await db.updateTable('projects').set({ webhookSecret: secret }).where('id', '=', projectId).execute();
}

/** Projects whose git URL is one of `urls` (a webhook names its repository several ways). */
export function findProjectsByGitUrls(db: Executor, urls: string[]): Promise<ProjectRow[]> {
  if (urls.length === 0) return Promise.resolve([]);
  return db.selectFrom('projects').selectAll().where('gitUrl', 'in', urls).orderBy('id').execute();
}

/**
 * Locks a project for deletion (its row and its releases' rows, so no release request,
 * retry or publish can slip in) and returns the releases that would keep it: published or
 * still being built. Null when it is gone already.
 */
export async function lockForDeletion(
  tx: Tx,
  projectId: string,
): Promise<{ version: string; status: string }[] | null> {
  const locked = await tx
    .selectFrom('projects')
    .select('id')
    .where('id', '=', projectId)
    .forUpdate()
    .executeTakeFirst();
  if (!locked) return null;
  const releases = await tx
    .selectFrom('releases')
    .select(['version', 'status'])
    .where('projectId', '=', projectId)
    .orderBy('id')
    .forUpdate()
    .execute();
  return releases.filter((release) => release.status !== 'failed');
}

/**
 * Deletes a project that holds only failed releases (lockForDeletion checked it; security
 * advisories need a published release, so it has none): those
 * releases with their builds, then the project with everything that cascades from it
 * (maintainers, usage counts, installs, offerings). Failed attempts published nothing, so no
 * archive or feed names it afterwards.
 */
export async function deleteProject(tx: Tx, projectId: string): Promise<void> {
  const releaseIds = tx.selectFrom('releases').select('id').where('projectId', '=', projectId);
  await tx.updateTable('releases').set({ currentBuildId: null }).where('projectId', '=', projectId).execute();
  await tx.deleteFrom('releaseFiles').where('releaseId', 'in', releaseIds).execute();
  await tx.deleteFrom('distributionBuilds').where('releaseId', 'in', releaseIds).execute();
  await tx.deleteFrom('builds').where('releaseId', 'in', releaseIds).execute();
  await tx.deleteFrom('releases').where('projectId', '=', projectId).execute();
  // Usage rows without a foreign key (usage_sites is written unchecked for speed).
  await tx.deleteFrom('usageSites').where('projectId', '=', projectId).execute();
  await tx.deleteFrom('projects').where('id', '=', projectId).execute();
}

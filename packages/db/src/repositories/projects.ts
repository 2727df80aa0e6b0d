import type { Insertable, Selectable } from 'kysely';
import type { Executor, Tx } from '../connection.ts';
import type { ProjectsTable } from '../schema.ts';

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

export async function isMaintainer(db: Executor, projectId: string, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('maintainers')
    .select('userId')
    .where('projectId', '=', projectId)
    .where('userId', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}

export async function addMaintainer(db: Executor, projectId: string, userId: string): Promise<void> {
  await db
    .insertInto('maintainers')
    .values({ projectId, userId })
    .onConflict((oc) => oc.columns(['projectId', 'userId']).doNothing())
    .execute();
}

export async function removeMaintainer(db: Executor, projectId: string, userId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('maintainers')
    .where('projectId', '=', projectId)
    .where('userId', '=', userId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Locks the project's maintainer rows so that two removals cannot leave it with none. */
export async function lockMaintainers(tx: Tx, projectId: string): Promise<string[]> {
  const rows = await tx
    .selectFrom('maintainers')
    .select('userId')
    .where('projectId', '=', projectId)
    .forUpdate()
    .execute();
  return rows.map((row) => row.userId);
}

export async function setWebhookSecret(db: Executor, projectId: string, secret: string): Promise<void> {
  await db.updateTable('projects').set({ webhookSecret: secret }).where('id', '=', projectId).execute();
}

/** Projects whose git URL is one of `urls` (a webhook names its repository several ways). */
export function findProjectsByGitUrls(db: Executor, urls: string[]): Promise<ProjectRow[]> {
  if (urls.length === 0) return Promise.resolve([]);
  return db.selectFrom('projects').selectAll().where('gitUrl', 'in', urls).orderBy('id').execute();
}

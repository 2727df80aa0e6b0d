import { sql, type Insertable, type Selectable } from 'kysely';
import type { Executor, Tx } from '../connection.ts';
import type { DistributionBuildsTable, DistributionComponentsTable } from '../schema.ts';

export type DistributionBuildRow = Selectable<DistributionBuildsTable>;
export type ComponentRow = Selectable<DistributionComponentsTable>;

/** Queues the distribution build of a release; a second call finds the first (idempotent). */
export async function ensureBuild(db: Executor, releaseId: string): Promise<DistributionBuildRow> {
  await db
    .insertInto('distributionBuilds')
    .values({ releaseId })
    .onConflict((oc) => oc.column('releaseId').doNothing())
    .execute();
  return db.selectFrom('distributionBuilds').selectAll().where('releaseId', '=', releaseId).executeTakeFirstOrThrow();
}

export function findBuildOfRelease(db: Executor, releaseId: string): Promise<DistributionBuildRow | undefined> {
  return db.selectFrom('distributionBuilds').selectAll().where('releaseId', '=', releaseId).executeTakeFirst();
}

export function listBuildsOfReleases(db: Executor, releaseIds: string[]): Promise<DistributionBuildRow[]> {
  if (releaseIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('distributionBuilds').selectAll().where('releaseId', 'in', releaseIds).execute();
}

/** Moves a queued (or stalled building) build to building; undefined when it is finished. */
export function claimBuild(db: Executor, id: string): Promise<DistributionBuildRow | undefined> {
  return db
    .updateTable('distributionBuilds')
    .set({ status: 'building', attempts: sql<number>`attempts + 1`, updatedAt: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'building'])
    .returningAll()
    .executeTakeFirst();
}

/**
 * A claimed build that must wait for pinned releases goes back to `queued` (a wait is not an
 * attempt), remembering since when it waits and for what.
 */
export async function markWaiting(db: Executor, id: string, waitingFor: string[]): Promise<void> {
  await db
    .updateTable('distributionBuilds')
    .set({
      status: 'queued',
      attempts: sql<number>`greatest(attempts - 1, 0)`,
      waitingSince: sql<Date>`coalesce(waiting_since, now())`,
      waitingFor,
      updatedAt: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .where('status', '=', 'building')
    .execute();
}

export async function markPublished(tx: Tx, id: string): Promise<boolean> {
  const result = await tx
    .updateTable('distributionBuilds')
    .set({
      status: 'published',
      error: null,
      waitingFor: null,
      publishedAt: sql<Date>`now()`,
      updatedAt: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'building'])
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function markFailed(db: Executor, id: string, error: string): Promise<void> {
  await db
    .updateTable('distributionBuilds')
    .set({ status: 'failed', error, waitingFor: null, updatedAt: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'building'])
    .execute();
}

/** Puts a failed build back in the queue (a new wait, if any, gets a new bound); undefined unless it was failed. */
export function requeueFailed(db: Executor, releaseId: string): Promise<DistributionBuildRow | undefined> {
  return db
    .updateTable('distributionBuilds')
    .set({ status: 'queued', error: null, waitingSince: null, updatedAt: sql<Date>`now()` })
    .where('releaseId', '=', releaseId)
    .where('status', '=', 'failed')
    .returningAll()
    .executeTakeFirst();
}

export function listStalled(
  db: Executor,
  olderThanMs: number,
  limit = 500,
): Promise<Pick<DistributionBuildRow, 'id'>[]> {
  return db
    .selectFrom('distributionBuilds')
    .select('id')
    .where('status', 'in', ['queued', 'building'])
    .where('updatedAt', '<', sql<Date>`now() - make_interval(secs => ${olderThanMs / 1000})`)
    .orderBy('updatedAt')
    .limit(limit)
    .execute();
}

export async function insertComponents(tx: Tx, components: Insertable<DistributionComponentsTable>[]): Promise<void> {
  if (components.length > 0) await tx.insertInto('distributionComponents').values(components).execute();
}

export function listComponents(db: Executor, releaseId: string): Promise<ComponentRow[]> {
  return db.selectFrom('distributionComponents').selectAll().where('releaseId', '=', releaseId).orderBy('id').execute();
}

/** Component releases of these distribution releases that are marked insecure. */
export function listInsecureComponents(db: Executor, releaseIds: string[]) {
  if (releaseIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('distributionComponents as c')
    .innerJoin('releases as r', 'r.id', 'c.componentReleaseId')
    .innerJoin('projects as p', 'p.id', 'r.projectId')
    .select(['c.releaseId', 'p.name as project', 'r.version'])
    .where('c.releaseId', 'in', releaseIds)
    .where('r.insecure', '=', true)
    .orderBy('p.name')
    .execute();
}

/** Published distribution releases that bundle any release of `projectId`, newest first. */
export function listUsedBy(db: Executor, projectId: string) {
  return db
    .selectFrom('distributionComponents as c')
    .innerJoin('releases as component', 'component.id', 'c.componentReleaseId')
    .innerJoin('releases as d', 'd.id', 'c.releaseId')
    .innerJoin('projects as dp', 'dp.id', 'd.projectId')
    .select([
      'dp.name as distribution',
      'd.version',
      'component.version as componentVersion',
      'component.insecure as componentInsecure',
    ])
    .where('component.projectId', '=', projectId)
    .where('d.status', '=', 'published')
    .orderBy('dp.name')
    .orderBy('d.id', 'desc')
    .execute();
}

/**
 * For a project page: the distributions whose newest published release bundles a release
 * of `projectId`, with that distribution release and the bundled version, by name.
 */
export function listBundlingDistributions(db: Executor, projectId: string, limit: number) {
  return db
    .selectFrom('distributionComponents as c')
    .innerJoin('releases as component', 'component.id', 'c.componentReleaseId')
    .innerJoin('releases as d', 'd.id', 'c.releaseId')
    .innerJoin('projects as dp', 'dp.id', 'd.projectId')
    .distinctOn('dp.name')
    .select(['dp.name', 'dp.title', 'd.version', 'component.version as componentVersion'])
    .where('component.projectId', '=', projectId)
    .where('d.status', '=', 'published')
    .orderBy('dp.name')
    .orderBy('d.publishedAt', 'desc')
    .limit(limit)
    .execute();
}

/** A built distribution's components for its page: each with the project and version it links to. */
export function listComponentsForPage(db: Executor, releaseId: string) {
  return db
    .selectFrom('distributionComponents as c')
    .leftJoin('releases as r', 'r.id', 'c.componentReleaseId')
    .leftJoin('projects as p', 'p.id', 'r.projectId')
    .select([
      'c.kind',
      'c.name',
      'c.version',
      'c.appliedTo',
      'c.sourceUrl',
      'c.sha256',
      'p.name as project',
      'r.version as releaseVersion',
      'r.insecure',
    ])
    .where('c.releaseId', '=', releaseId)
    .orderBy('c.id')
    .execute();
}

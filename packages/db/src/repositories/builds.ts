import { sql, type ExpressionBuilder, type Selectable } from 'kysely';
import type { Executor, Tx } from '../connection.ts';
import type { BuildsTable, Database } from '../schema.ts';
import { composerColumns, type ComposerFields } from './releases.ts';

export type BuildRow = Selectable<BuildsTable>;

/** A new waiting build, or undefined when one already waits (it will package the newest head). */
export function insertQueuedBuild(db: Executor, releaseId: string): Promise<BuildRow | undefined> {
  return db
    .insertInto('builds')
    .values({ releaseId })
    .onConflict((oc) => oc.column('releaseId').where('status', '=', 'queued').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function findQueuedBuild(db: Executor, releaseId: string): Promise<BuildRow | undefined> {
  return db
    .selectFrom('builds')
    .selectAll()
    .where('releaseId', '=', releaseId)
    .where('status', '=', 'queued')
    .executeTakeFirst();
}

/** Newest first. */
export function listBuilds(db: Executor, releaseId: string, limit = 20): Promise<BuildRow[]> {
  return db
    .selectFrom('builds')
    .selectAll()
    .where('releaseId', '=', releaseId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** Builds of a project still awaiting approval are neither claimed nor re-enqueued. */
const projectApproved = (eb: ExpressionBuilder<Database, 'builds'>) =>
  eb.exists(
    eb
      .selectFrom('releases')
      .innerJoin('projects', 'projects.id', 'releases.projectId')
      .select('projects.id')
      .whereRef('releases.id', '=', 'builds.releaseId')
      .where('projects.approvedAt', 'is not', null),
  );

export function claimBuild(db: Executor, id: string): Promise<BuildRow | undefined> {
  return db
    .updateTable('builds')
    .set({ status: 'building', attempts: sql<number>`attempts + 1`, updatedAt: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'building'])
    .where(projectApproved)
    .returningAll()
    .executeTakeFirst();
}

/** A published build of this release made from `commit`, if any: its bytes would be the same. */
export function findPublishedBuildOf(db: Executor, releaseId: string, commit: string): Promise<BuildRow | undefined> {
  return db
    .selectFrom('builds')
    .selectAll()
    .where('releaseId', '=', releaseId)
    .where('commit', '=', commit)
    .where('status', '=', 'published')
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

export async function finishBuild(
  db: Executor,
  id: string,
  outcome: {
    status: 'published' | 'unchanged' | 'failed';
    commit?: string;
    commitTime?: Date;
    error?: string;
    errorDetail?: string | null;
  },
): Promise<boolean> {
  const result = await db
    .updateTable('builds')
    .set({
      status: outcome.status,
      commit: outcome.commit,
      commitTime: outcome.commitTime,
      error: outcome.error ?? null,
      errorDetail: outcome.errorDetail ?? null,
      lastError: null,
      nextAttemptAt: null,
      updatedAt: sql<Date>`now()`,
      ...(outcome.status === 'published' ? { publishedAt: sql<Date>`now()` } : {}),
    })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'building'])
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Points the dev release at a build (its own, or an earlier one of the same commit), as
 * decided by build job `decidedBy`, unless a newer job already decided.
 */
export async function makeCurrent(
  tx: Tx,
  releaseId: string,
  build: { id: string; commit: string; commitTime: Date; coreCompatibility: string | null; composer: ComposerFields },
  decidedBy: string,
): Promise<boolean> {
  const result = await tx
    .updateTable('releases')
    .set({
      ...composerColumns(build.composer),
      currentBuildId: build.id,
      currentDecidedBy: decidedBy,
      commit: build.commit,
      commitTime: build.commitTime,
      coreCompatibility: build.coreCompatibility,
      status: 'published',
      error: null,
      publishedAt: sql<Date>`now()`,
      updatedAt: sql<Date>`now()`,
    })
    .where('id', '=', releaseId)
    .where((eb) => eb.or([eb('currentDecidedBy', 'is', null), eb('currentDecidedBy', '<', decidedBy)]))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export function listStalledBuilds(db: Executor, olderThanMs: number, limit = 500): Promise<Pick<BuildRow, 'id'>[]> {
  return db
    .selectFrom('builds')
    .select('id')
    .where('status', 'in', ['queued', 'building'])
    .where('updatedAt', '<', sql<Date>`now() - make_interval(secs => ${olderThanMs / 1000})`)
    .where(projectApproved)
    .orderBy('updatedAt')
    .limit(limit)
    .execute();
}

/** The project's dev builds waiting to be packaged: enqueued when it is approved. */
export function listQueuedOfProject(db: Executor, projectId: string): Promise<Pick<BuildRow, 'id'>[]> {
  return db
    .selectFrom('builds')
    .innerJoin('releases', 'releases.id', 'builds.releaseId')
    .select('builds.id')
    .where('releases.projectId', '=', projectId)
    .where('builds.status', '=', 'queued')
    .execute();
}

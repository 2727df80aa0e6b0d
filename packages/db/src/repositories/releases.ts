import { sql, type ExpressionBuilder, type Insertable, type Selectable } from 'kysely';
import type { Executor, Tx } from '../connection.ts';
import type { Database, ReleasesTable } from '../schema.ts';

export type ReleaseRow = Selectable<ReleasesTable>;

/** What packaging read for the Composer repository (packager's ComposerMetadata). */
export interface ComposerFields {
  require: Record<string, string>;
  submodules: string[];
}

export function composerColumns(composer: ComposerFields) {
  return { composerRequire: JSON.stringify(composer.require), submodules: composer.submodules };
}

export function insertRelease(db: Executor, release: Insertable<ReleasesTable>): Promise<ReleaseRow | undefined> {
  return db
    .insertInto('releases')
    .values(release)
    .onConflict((oc) => oc.columns(['projectId', 'version']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function findRelease(db: Executor, projectId: string, version: string): Promise<ReleaseRow | undefined> {
  return db
    .selectFrom('releases')
    .selectAll()
    .where('projectId', '=', projectId)
    .where('version', '=', version)
    .executeTakeFirst();
}

/** The release of a project that claims a Composer version (see migration 20261129160100). */
export function findByComposerVersion(
  db: Executor,
  projectId: string,
  composerVersion: string,
): Promise<ReleaseRow | undefined> {
  return db
    .selectFrom('releases')
    .selectAll()
    .where('projectId', '=', projectId)
    .where('composerVersion', '=', composerVersion)
    .executeTakeFirst();
}

export function findReleaseById(db: Executor, id: string): Promise<ReleaseRow | undefined> {
  return db.selectFrom('releases').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listReleases(db: Executor, projectId: string): Promise<ReleaseRow[]> {
  return db.selectFrom('releases').selectAll().where('projectId', '=', projectId).orderBy('id', 'desc').execute();
}

/** Work of a project still awaiting approval (PROJECT_APPROVAL=admin) is neither claimed nor re-enqueued. */
const projectApproved = (eb: ExpressionBuilder<Database, 'releases'>) =>
  eb.exists(
    eb
      .selectFrom('projects')
      .select('projects.id')
      .whereRef('projects.id', '=', 'releases.projectId')
      .where('projects.approvedAt', 'is not', null),
  );

/** Moves a queued (or stalled building) release of an approved project to building; undefined otherwise. */
export function claimRelease(db: Executor, id: string): Promise<ReleaseRow | undefined> {
  return db
    .updateTable('releases')
    .set({ status: 'building', attempts: sql<number>`attempts + 1`, updatedAt: sql<Date>`now()` })
    .where('id', '=', id)
    .where('kind', '=', 'tag')
    .where('status', 'in', ['queued', 'building'])
    .where(projectApproved)
    .returningAll()
    .executeTakeFirst();
}

/** Marks the release published inside the publishing transaction; false when another worker already did. */
export async function markPublished(
  tx: Tx,
  id: string,
  outcome: { commit: string; commitTime: Date; coreCompatibility: string | null; composer: ComposerFields },
): Promise<boolean> {
  const { composer, ...rest } = outcome;
  const result = await tx
    .updateTable('releases')
    .set({
      ...rest,
      ...composerColumns(composer),
      status: 'published',
      error: null,
      errorDetail: null,
      lastError: null,
      nextAttemptAt: null,
      publishedAt: sql<Date>`now()`,
      updatedAt: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'building'])
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** `error`: one short line anyone may read; `detail`: git's output, for maintainers. */
export async function markFailed(
  db: Executor,
  id: string,
  error: string,
  commit?: string,
  detail: string | null = null,
): Promise<void> {
  await db
    .updateTable('releases')
    .set({
      status: 'failed',
      error,
      errorDetail: detail,
      lastError: null,
      nextAttemptAt: null,
      updatedAt: sql<Date>`now()`,
      ...(commit ? { commit } : {}),
    })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'building'])
    .execute();
}

/** Releases still unfinished after `olderThanMs`: their job may have been lost with Redis. */
export function listStalled(db: Executor, olderThanMs: number, limit = 500): Promise<Pick<ReleaseRow, 'id'>[]> {
  return db
    .selectFrom('releases')
    .select('id')
    .where('kind', '=', 'tag')
    .where('status', 'in', ['queued', 'building'])
    .where('updatedAt', '<', sql<Date>`now() - make_interval(secs => ${olderThanMs / 1000})`)
    .where(projectApproved)
    .orderBy('updatedAt')
    .limit(limit)
    .execute();
}

/** Puts a failed tagged release back in the queue; undefined unless it was failed. */
export function requeueFailed(db: Executor, id: string): Promise<ReleaseRow | undefined> {
  return db
    .updateTable('releases')
    .set({ status: 'queued', error: null, errorDetail: null, updatedAt: sql<Date>`now()` })
    .where('id', '=', id)
    .where('kind', '=', 'tag')
    .where('status', '=', 'failed')
    .returningAll()
    .executeTakeFirst();
}

/** A dev release whose first build failed shows that failure; a later one keeps its last good build. */
export async function markDevFailed(
  db: Executor,
  id: string,
  error: string,
  detail: string | null = null,
): Promise<void> {
  await db
    .updateTable('releases')
    .set({ status: 'failed', error, errorDetail: detail, updatedAt: sql<Date>`now()` })
    .where('id', '=', id)
    .where('currentBuildId', 'is', null)
    .execute();
}

/** The project's tagged releases waiting to be packaged: enqueued when it is approved. */
export function listQueued(db: Executor, projectId: string): Promise<Pick<ReleaseRow, 'id'>[]> {
  return db
    .selectFrom('releases')
    .select('id')
    .where('projectId', '=', projectId)
    .where('kind', '=', 'tag')
    .where('status', '=', 'queued')
    .execute();
}

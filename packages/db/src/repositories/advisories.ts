import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Executor, Tx } from '../connection.ts';
import type { AdvisoriesTable } from '../schema.ts';

export type AdvisoryRow = Selectable<AdvisoriesTable> & {
  project: string;
  projectType: string;
  affectedReleases: string[];
};

/** The next `PH-SA-{year}-{NNNN}`: one counter row per year, bumped inside the caller's transaction. */
export async function nextAdvisoryId(tx: Tx, year: number): Promise<string> {
  const row = await tx
    .insertInto('advisorySequences')
    .values({ year, last: 1 })
    .onConflict((oc) => oc.column('year').doUpdateSet({ last: sql<number>`advisory_sequences.last + 1` }))
    .returning('last')
    .executeTakeFirstOrThrow();
  return `PH-SA-${year}-${String(row.last).padStart(4, '0')}`;
}

export async function insertAdvisory(tx: Tx, advisory: Insertable<AdvisoriesTable>): Promise<void> {
  await tx.insertInto('advisories').values(advisory).execute();
}

export async function updateAdvisory(tx: Tx, id: string, changes: Updateable<AdvisoriesTable>): Promise<void> {
  await tx
    .updateTable('advisories')
    .set({ ...changes, updatedAt: sql<Date>`now()` })
    .where('id', '=', id)
    .execute();
}

/**
 * Serialises, per project, the two writers of `advisory_releases`: saving an advisory's
 * constraint (which reads the published releases) and publishing a release (which reads the
 * advisories). Each reads what the other writes, so without a lock a release published while
 * an advisory is saved could be missed by both. Publishes take it shared (they never
 * conflict with one another), advisory saves exclusively; held until the transaction ends.
 */
export async function lockAdvisoryMatching(tx: Tx, projectId: string, mode: 'shared' | 'exclusive'): Promise<void> {
  const key = sql`hashtextextended(${`packhouse.advisory-matching:${projectId}`}, 0)`;
  await (
    mode === 'shared' ? sql`SELECT pg_advisory_xact_lock_shared(${key})` : sql`SELECT pg_advisory_xact_lock(${key})`
  ).execute(tx);
}

/** The constraint of every advisory of a project, withdrawn ones too (they may be republished). */
export function listProjectConstraints(tx: Tx, projectId: string): Promise<{ id: string; affectedVersions: string }[]> {
  return tx.selectFrom('advisories').select(['id', 'affectedVersions']).where('projectId', '=', projectId).execute();
}

/**
 * Adds a newly published release to the advisories whose constraint matches it; their
 * records changed (OSV `modified`), so their `updated_at` moves too.
 */
export async function addAffectedRelease(tx: Tx, advisoryIds: string[], releaseId: string): Promise<void> {
  if (advisoryIds.length === 0) return;
  await tx
    .insertInto('advisoryReleases')
    .values(advisoryIds.map((advisoryId) => ({ advisoryId, releaseId })))
    .onConflict((oc) => oc.doNothing())
    .execute();
  await tx
    .updateTable('advisories')
    .set({ updatedAt: sql<Date>`now()` })
    .where('id', 'in', advisoryIds)
    .execute();
}

/** The releases an advisory affects now (their feed changes when it does). */
export async function listAffectedReleaseIds(db: Executor, advisoryId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('advisoryReleases')
    .select('releaseId')
    .where('advisoryId', '=', advisoryId)
    .execute();
  return rows.map((row) => row.releaseId);
}

/** Replaces the releases an advisory affects (the Insecure term in the update feed). */
export async function setAffectedReleases(tx: Tx, advisoryId: string, releaseIds: string[]): Promise<void> {
  await tx.deleteFrom('advisoryReleases').where('advisoryId', '=', advisoryId).execute();
  if (releaseIds.length > 0)
    await tx
      .insertInto('advisoryReleases')
      .values(releaseIds.map((releaseId) => ({ advisoryId, releaseId })))
      .execute();
}

function selectAdvisories(db: Executor) {
  return db
    .selectFrom('advisories as a')
    .innerJoin('projects as p', 'p.id', 'a.projectId')
    .selectAll('a')
    .select(['p.name as project', 'p.type as projectType'])
    .select(
      sql<string[]>`array(
      SELECT r.composer_version FROM advisory_releases ar JOIN releases r ON r.id = ar.release_id
      WHERE ar.advisory_id = a.id ORDER BY r.id
    )`.as('affectedReleases'),
    );
}

export function findAdvisory(db: Executor, id: string): Promise<AdvisoryRow | undefined> {
  return selectAdvisories(db).where('a.id', '=', id).executeTakeFirst() as Promise<AdvisoryRow | undefined>;
}

/** A project's advisories, withdrawn ones included, oldest first. */
export function listProjectAdvisories(db: Executor, projectId: string): Promise<AdvisoryRow[]> {
  return selectAdvisories(db)
    .where('a.projectId', '=', projectId)
    .orderBy('a.createdAt')
    .orderBy('a.id')
    .execute() as Promise<AdvisoryRow[]>;
}

/** Every advisory (OSV export), withdrawn ones included: OSV marks them `withdrawn`. */
export function listAllAdvisories(db: Executor): Promise<AdvisoryRow[]> {
  return selectAdvisories(db).orderBy('a.id').execute() as Promise<AdvisoryRow[]>;
}

/** Published advisories of the projects named (machine names), for Composer's advisories API. */
export function listPublishedForProjects(db: Executor, projectIds: string[]): Promise<AdvisoryRow[]> {
  if (projectIds.length === 0) return Promise.resolve([]);
  return selectAdvisories(db)
    .where('a.projectId', 'in', projectIds)
    .where('a.status', '=', 'published')
    .orderBy('a.id')
    .execute() as Promise<AdvisoryRow[]>;
}

import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Executor } from '../connection.ts';
import type { OfferingsTable } from '../schema.ts';

export type OfferingRow = Selectable<OfferingsTable>;

export function listOfferings(db: Executor, projectId: string): Promise<OfferingRow[]> {
  return db.selectFrom('offerings').selectAll().where('projectId', '=', projectId).orderBy('id').execute();
}

export function findOffering(db: Executor, id: string): Promise<OfferingRow | undefined> {
  return db.selectFrom('offerings').selectAll().where('id', '=', id).executeTakeFirst();
}

export function insertOffering(db: Executor, offering: Insertable<OfferingsTable>): Promise<OfferingRow> {
  return db.insertInto('offerings').values(offering).returningAll().executeTakeFirstOrThrow();
}

export function updateOffering(
  db: Executor,
  projectId: string,
  id: string,
  changes: Updateable<Omit<OfferingsTable, 'id' | 'projectId'>>,
): Promise<OfferingRow | undefined> {
  return db
    .updateTable('offerings')
    .set({ ...changes, updatedAt: sql<Date>`now()` })
    .where('id', '=', id)
    .where('projectId', '=', projectId)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteOffering(db: Executor, projectId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('offerings')
    .where('id', '=', id)
    .where('projectId', '=', projectId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Counts one visit in the offering's week (`week`: its Monday); the URL to send the visitor to. */
export async function countVisit(db: Executor, id: string, week: string): Promise<string | undefined> {
  const { rows } = await sql<{ url: string }>`
    WITH target AS (SELECT id, url FROM offerings WHERE id = ${id}),
    counted AS (
      INSERT INTO offering_visits AS v (offering_id, week, visits)
      SELECT id, ${week}::date, 1 FROM target
      ON CONFLICT (offering_id, week) DO UPDATE SET visits = v.visits + 1
    )
    SELECT url FROM target
  `.execute(db);
  return rows[0]?.url;
}

export interface WeeklyVisits {
  offeringId: string;
  week: string;
  visits: number;
}

/** Visits per offering of the project for the weeks from `since` (a Monday), newest first. */
export function weeklyVisits(db: Executor, projectId: string, since: string): Promise<WeeklyVisits[]> {
  return db
    .selectFrom('offeringVisits')
    .innerJoin('offerings', 'offerings.id', 'offeringVisits.offeringId')
    .select(['offeringVisits.offeringId', sql<string>`offering_visits.week::text`.as('week'), 'offeringVisits.visits'])
    .where('offerings.projectId', '=', projectId)
    .where('offeringVisits.week', '>=', since)
    .orderBy('offeringVisits.week', 'desc')
    .orderBy('offeringVisits.offeringId')
    .execute();
}

import { sql } from 'kysely';
import type { Executor } from '../connection.ts';

/** One site seen polling one project in one ISO week (`week` is its Monday, YYYY-MM-DD). */
export interface UsageHit {
  projectId: string;
  week: string;
  siteHash: Buffer;
  version: string;
}

export interface WeeklyVersionCount {
  week: string;
  version: string;
  sites: number;
}

/**
 * Counts each (project, week, site) once: rows already present are skipped, and only the
 * rows this statement inserted are added to the per-version counts, in one statement.
 * Input is sorted so that concurrent flushes from several API processes take row locks in
 * the same order and cannot deadlock. Returns how many sites were newly counted.
 */
export async function recordUsage(db: Executor, hits: readonly UsageHit[]): Promise<number> {
  if (hits.length === 0) return 0;
  const { rows } = await sql<{ counted: number }>`
    WITH input AS (
      SELECT * FROM unnest(
        ${hits.map((hit) => hit.projectId)}::bigint[],
        ${hits.map((hit) => hit.week)}::date[],
        ${hits.map((hit) => hit.siteHash.toString('hex'))}::text[],
        ${hits.map((hit) => hit.version)}::text[]
      ) AS i (project_id, week, site_hash, version)
    ),
    inserted AS (
      INSERT INTO usage_sites (project_id, week, site_hash, version)
      SELECT project_id, week, decode(site_hash, 'hex'), version FROM input
      WHERE EXISTS (SELECT 1 FROM projects p WHERE p.id = input.project_id)
      ORDER BY week, project_id, site_hash
      ON CONFLICT DO NOTHING
      RETURNING project_id, week, version
    ),
    counted AS (
      INSERT INTO usage_counts AS c (project_id, week, version, sites)
      SELECT project_id, week, version, count(*) FROM inserted
      GROUP BY project_id, week, version
      ORDER BY project_id, week, version
      ON CONFLICT (project_id, week, version) DO UPDATE SET sites = c.sites + excluded.sites
    )
    SELECT count(*)::integer AS counted FROM inserted
  `.execute(db);
  return rows[0]?.counted ?? 0;
}

/** Sites per version for the weeks starting on or after `since` (a Monday), newest week first. */
export async function weeklyUsage(db: Executor, projectId: string, since: string): Promise<WeeklyVersionCount[]> {
  return db
    .selectFrom('usageCounts')
    .select([sql<string>`week::text`.as('week'), 'version', 'sites'])
    .where('projectId', '=', projectId)
    .where('week', '>=', since)
    .orderBy('week', 'desc')
    .orderBy('sites', 'desc')
    .orderBy('version')
    .execute();
}

/** The most recent week with any count, and its total of sites. */
export async function latestWeekUsage(db: Executor, projectId: string): Promise<{ week: string; sites: number } | undefined> {
  const row = await db
    .selectFrom('usageCounts')
    .select([sql<string>`week::text`.as('week'), sql<number>`sum(sites)::integer`.as('sites')])
    .where('projectId', '=', projectId)
    .groupBy('week')
    .orderBy('week', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row;
}

/** Drops the per-site rows of weeks before `before`: they only deduplicate within a week. */
export async function pruneUsageSites(db: Executor, before: string): Promise<number> {
  const result = await db.deleteFrom('usageSites').where('week', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

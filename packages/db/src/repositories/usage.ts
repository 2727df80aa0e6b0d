import { sql } from 'kysely';
import type { Executor } from '../connection.ts';

/** One site seen polling one project in one ISO week. */
export interface UsageHit {
  projectId: string;
  /** The first 64 bits of the site key's HMAC, as a signed bigint in decimal. */
  siteHash: string;
  version: string;
}

export interface WeeklyVersionCount {
  week: string;
  version: string;
  sites: number;
}

/**
 * Counts each (project, week, site) once: rows already present are skipped, a site given
 * twice counts under its first version, and only the rows this statement inserted are
 * added to the per-version counts, in one statement.
 * `week` is the hits' Monday (YYYY-MM-DD). Columns travel as comma-joined text (ids,
 * hashes and versions hold no commas): far cheaper to build than array parameters, which
 * pg escapes element by element on the API's event loop. Input is sorted so that concurrent flushes from
 * several API processes take row locks in the same order and cannot deadlock. Returns how
 * many sites were newly counted.
 */
export async function recordUsage(db: Executor, week: string, hits: readonly UsageHit[]): Promise<number> {
  if (hits.length === 0) return 0;
  const versions = hits.map((hit) => hit.version).join(',');
  if (versions.split(',').length !== hits.length) throw new Error('a usage version contains a comma');
  const { rows } = await sql<{ counted: number }>`
    WITH input AS (
      SELECT * FROM unnest(
        string_to_array(${hits.map((hit) => hit.projectId).join(',')}, ',')::bigint[],
        string_to_array(${hits.map((hit) => hit.siteHash).join(',')}, ',')::bigint[],
        string_to_array(${versions}, ',')
      ) WITH ORDINALITY AS i (project_id, site_hash, version, arrival)
    ),
    inserted AS (
      INSERT INTO usage_sites (project_id, week, site_hash, version)
      SELECT project_id, ${week}::date, site_hash, version FROM input
      WHERE EXISTS (SELECT 1 FROM projects p WHERE p.id = input.project_id)
      ORDER BY project_id, site_hash, arrival
      ON CONFLICT DO NOTHING
      RETURNING project_id, version
    ),
    counted AS (
      INSERT INTO usage_counts AS c (project_id, week, version, sites)
      SELECT project_id, ${week}::date, version, count(*) FROM inserted
      GROUP BY project_id, version
      ORDER BY project_id, version
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
export async function latestWeekUsage(
  db: Executor,
  projectId: string,
): Promise<{ week: string; sites: number } | undefined> {
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

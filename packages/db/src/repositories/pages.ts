import { sql } from 'kysely';
import type { Executor } from '../connection.ts';

/** A project as listed on the home page and in search results. */
export interface ProjectListing {
  name: string;
  title: string;
  type: string;
  description: string;
}

export interface SearchHit extends ProjectListing {
  rank: number;
}

/**
 * The project search (web search syntax: words, "phrases", -exclusions) over `projects.search`
 * (name and title weigh more than the description): whether a project matches, and its rank.
 * The pages' search and Composer's `search` both use it.
 */
export function projectSearch(query: string) {
  const tsquery = sql`(websearch_to_tsquery('simple', ${query}) || websearch_to_tsquery('english', ${query}))`;
  return {
    match: sql<boolean>`projects.search @@ ${tsquery}`,
    rank: sql<number>`ts_rank(projects.search, ${tsquery})`,
  };
}

/** Projects matching `query`, best first. One page, and the total for paging. */
export async function searchProjects(
  db: Executor,
  query: string,
  { limit, offset }: { limit: number; offset: number },
): Promise<{ hits: SearchHit[]; total: number }> {
  const { match, rank } = projectSearch(query);
  const [hits, total] = await Promise.all([
    db
      .selectFrom('projects')
      .select(['name', 'title', 'type', 'description', rank.as('rank')])
      .where(match)
      .where('status', '<>', 'unpublished')
      .orderBy('rank', 'desc')
      .orderBy('name')
      .limit(limit)
      .offset(offset)
      .execute(),
    db
      .selectFrom('projects')
      .select(sql<number>`count(*)::integer`.as('total'))
      .where(match)
      .where('status', '<>', 'unpublished')
      .executeTakeFirstOrThrow(),
  ]);
  return { hits, total: total.total };
}

export interface NewRelease {
  project: string;
  title: string;
  version: string;
  publishedAt: Date;
}

/** The newest published tagged releases, across projects. */
export function newestReleases(db: Executor, limit: number): Promise<NewRelease[]> {
  return db
    .selectFrom('releases')
    .innerJoin('projects', 'projects.id', 'releases.projectId')
    .select([
      'projects.name as project',
      'projects.title',
      'releases.version',
      sql<Date>`releases.published_at`.as('publishedAt'),
    ])
    .where('releases.status', '=', 'published')
    .where('releases.kind', '=', 'tag')
    .where('releases.feedStatus', '=', 'published')
    .orderBy('releases.publishedAt', 'desc')
    .limit(limit)
    .execute();
}

/** Projects by sites reporting them in the latest week with any report. */
export function mostUsedProjects(db: Executor, limit: number): Promise<(ProjectListing & { sites: number })[]> {
  return db
    .selectFrom('usageCounts')
    .innerJoin('projects', 'projects.id', 'usageCounts.projectId')
    .select([
      'projects.name',
      'projects.title',
      'projects.type',
      'projects.description',
      sql<number>`sum(usage_counts.sites)::integer`.as('sites'),
    ])
    .where('usageCounts.week', '=', sql<string>`(SELECT max(week) FROM usage_counts)`)
    .groupBy(['projects.id'])
    .orderBy('sites', 'desc')
    .orderBy('projects.name')
    .limit(limit)
    .execute();
}

export interface Readme {
  fileName: string | null;
  body: string | null;
}

export function findReadme(db: Executor, releaseId: string): Promise<Readme | undefined> {
  return db
    .selectFrom('releaseReadmes')
    .select(['fileName', 'body'])
    .where('releaseId', '=', releaseId)
    .executeTakeFirst();
}

/** Stores a release's README once (immutable, like the archive it came from). */
export async function saveReadme(db: Executor, releaseId: string, readme: Readme): Promise<void> {
  await db
    .insertInto('releaseReadmes')
    .values({ releaseId, ...readme })
    .onConflict((oc) => oc.column('releaseId').doNothing())
    .execute();
}

export async function setDescription(db: Executor, projectId: string, description: string): Promise<void> {
  await db
    .updateTable('projects')
    .set({ description })
    .where('id', '=', projectId)
    .where('description', '<>', description)
    .execute();
}

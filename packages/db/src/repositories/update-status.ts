import { sql, type ExpressionBuilder } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Executor } from '../connection.ts';
import type { Database, FeedStatus, ProjectStatus, ProjectsTable } from '../schema.ts';

/** Everything one project's release history needs, read in one statement (one snapshot). */
export interface FeedSourceRow {
  id: string;
  name: string;
  title: string;
  type: ProjectsTable['type'];
  status: ProjectStatus;
  securityCoverage: boolean;
  supportedBranches: string[];
  creator: string | null;
  changedAt: Date;
  /** When the transaction that read this began, by the database's clock. */
  readAt: Date;
  releases: FeedReleaseRow[];
}

export interface FeedReleaseRow {
  version: string;
  tag: string;
  feedStatus: FeedStatus;
  insecure: boolean;
  releaseTypes: string[];
  coreCompatibility: string | null;
  /** Unix seconds: the tag commit's time, which is also the `datestamp` packaged into .info files. */
  date: number;
  files: FeedFileRow[];
}

export interface FeedFileRow {
  name: string;
  archiveType: 'tar.gz' | 'zip';
  md5: string;
  size: number;
  /** Unix seconds. */
  filedate: number;
  /** Distributions: `projects` (-no-core), `full` (-core); null for the profile-only and other archives. */
  variant: 'projects' | 'full' | null;
}

export interface FeedListRow {
  name: string;
  title: string;
  type: ProjectsTable['type'];
  status: ProjectStatus;
  creator: string | null;
  changedAt: Date;
  /** When the transaction that read this began, by the database's clock. */
  readAt: Date;
  /** `7.x`-style cores of its legacy releases, and `current` for Drupal 8+ ones. */
  apiVersions: string[];
}

type ProjectScope = ExpressionBuilder<Database & { p: Database['projects'] }, 'p'>;

// The first maintainer, as updates.drupal.org prints the project's creator.
const creator = (eb: ProjectScope) =>
  eb
    .selectFrom('maintainers as m')
    .innerJoin('users as u', 'u.id', 'm.userId')
    .select('u.name')
    .whereRef('m.projectId', '=', 'p.id')
    .orderBy('m.createdAt')
    .orderBy('u.name')
    .limit(1)
    .as('creator');

// Feed changes are stamped by the database's clock, so the read's time comes from it too:
// the transaction's start, which no snapshot of it can precede.
const readAt = sql<Date>`transaction_timestamp()`.as('readAt');

// Projects that predate the change log fall back to their own timestamps.
const changedAt = (eb: ProjectScope) =>
  eb
    .selectFrom('feedChanges as c')
    .select(sql<Date>`coalesce(max(c.changed_at), p.updated_at)`.as('changedAt'))
    .whereRef('c.projectId', '=', 'p.id')
    .as('changedAt');

export function findFeedSource(db: Executor, name: string): Promise<FeedSourceRow | undefined> {
  return db
    .selectFrom('projects as p')
    .select(['p.id', 'p.name', 'p.title', 'p.type', 'p.status', 'p.securityCoverage', 'p.supportedBranches'])
    .select((eb) => [
      creator(eb),
      changedAt(eb),
      readAt,
      jsonArrayFrom(
        eb
          .selectFrom('releases as r')
          .select(['r.version', 'r.tag', 'r.feedStatus', 'r.releaseTypes', 'r.coreCompatibility'])
          // Insecure when the maintainer says so, or while a published advisory affects it.
          .select(
            sql<boolean>`r.insecure OR EXISTS (
              SELECT 1 FROM advisory_releases ar JOIN advisories a ON a.id = ar.advisory_id
              WHERE ar.release_id = r.id AND a.status = 'published'
            )`.as('insecure'),
          )
          .select(sql<number>`floor(extract(epoch FROM coalesce(r.commit_time, r.published_at)))::bigint`.as('date'))
          .select((inner) =>
            jsonArrayFrom(
              inner
                .selectFrom('releaseFiles as f')
                .select(['f.name', 'f.archiveType', 'f.md5', 'f.size', 'f.variant'])
                .select(sql<number>`floor(extract(epoch FROM f.created_at))::bigint`.as('filedate'))
                .whereRef('f.releaseId', '=', 'r.id')
                // A dev release lists its newest build's files only.
                .where(sql<boolean>`f.build_id IS NOT DISTINCT FROM r.current_build_id`)
                // Archives only (a distribution's bill of materials is not one), the plain ones first.
                .where('f.archiveType', 'in', ['tar.gz', 'zip'])
                .orderBy(sql`f.variant NULLS FIRST`)
                .orderBy('f.archiveType'),
            ).as('files'),
          )
          // Only built releases exist in feeds; the maintainer's status is printed as given.
          .whereRef('r.projectId', '=', 'p.id')
          .where('r.status', '=', 'published'),
      ).as('releases'),
    ])
    .where('p.name', '=', name)
    .executeTakeFirst() as Promise<FeedSourceRow | undefined>;
}

/** Every project for `/release-history/project-list/all`, by name. */
export function listFeedProjects(db: Executor): Promise<FeedListRow[]> {
  return db
    .selectFrom('projects as p')
    .select(['p.name', 'p.title', 'p.type', 'p.status'])
    .select((eb) => [
      creator(eb),
      changedAt(eb),
      readAt,
      sql<string[]>`array(
        SELECT DISTINCT CASE WHEN r.version ~ '^[0-9]+\\.x-[0-9]' THEN substring(r.version FROM '^[0-9]+\\.x') ELSE 'current' END
        FROM releases r WHERE r.project_id = p.id AND r.status = 'published'
      )`.as('apiVersions'),
    ])
    .orderBy('p.name')
    .execute() as Promise<FeedListRow[]>;
}

/** Deletes every change row but each project's newest: only the newest is ever read. */
export async function pruneFeedChanges(db: Executor): Promise<number> {
  const result = await sql`
    DELETE FROM feed_changes f
    USING (SELECT project_id, max(changed_at) AS newest FROM feed_changes GROUP BY project_id) n
    WHERE f.project_id = n.project_id AND f.changed_at < n.newest
  `.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

import { sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Executor } from '../connection.ts';
import type { AdvisorySeverity, FeedStatus, ProjectStatus, ProjectsTable } from '../schema.ts';
import { projectSearch } from './pages.ts';

/** Everything one package's Composer metadata needs, read in one statement (one snapshot). */
export interface ComposerSourceRow {
  id: string;
  name: string;
  title: string;
  type: ProjectsTable['type'];
  status: ProjectStatus;
  gitUrl: string;
  securityCoverage: boolean;
  changedAt: Date;
  /** When the transaction that read this began, by the database's clock. */
  readAt: Date;
  releases: ComposerReleaseRow[];
  advisories: ComposerAdvisoryRow[];
}

export interface ComposerReleaseRow {
  version: string;
  tag: string;
  kind: 'tag' | 'dev';
  commit: string | null;
  feedStatus: FeedStatus;
  /** The `require` object as JSON text (see the query). */
  composerRequire: string | null;
  submodules: string[];
  /** ISO 8601: when the release (a dev release: its current build) was published. */
  publishedAt: string;
  /** Unix seconds: the commit's time, packaged as `datestamp`. */
  datestamp: number;
  /** The zip of the release (a dev release: of its current build). */
  zipName: string | null;
  zipSha1: string | null;
}

export interface ComposerAdvisoryRow {
  id: string;
  title: string;
  severity: AdvisorySeverity;
  affectedVersions: string;
  cve: string | null;
  link: string | null;
  createdAt: string;
}

// Projects that predate the change log fall back to their own timestamps.
const changedAt =
  sql<Date>`coalesce((SELECT max(c.changed_at) FROM feed_changes c WHERE c.project_id = p.id), p.updated_at)`.as(
    'changedAt',
  );
const readAt = sql<Date>`transaction_timestamp()`.as('readAt');

/** A project by name, or by the name of a sub-module one of its releases ships (`bySubmodule`). */
export function findComposerSource(
  db: Executor,
  name: string,
  { bySubmodule = false } = {},
): Promise<ComposerSourceRow | undefined> {
  let query = db
    .selectFrom('projects as p')
    .select(['p.id', 'p.name', 'p.title', 'p.type', 'p.status', 'p.gitUrl', 'p.securityCoverage', changedAt, readAt])
    .select((eb) => [
      jsonArrayFrom(
        eb
          .selectFrom('releases as r')
          .leftJoin('releaseFiles as f', (join) =>
            join
              .onRef('f.releaseId', '=', 'r.id')
              .on('f.archiveType', '=', 'zip')
              // A distribution's own zip (profile-only), not its -core/-no-core variants.
              .on(sql<boolean>`f.variant IS NULL`)
              // A dev release offers its current build only.
              .on(sql<boolean>`f.build_id IS NOT DISTINCT FROM r.current_build_id`),
          )
          .select([
            'r.version',
            'r.tag',
            'r.kind',
            'r.commit',
            'r.feedStatus',
            'r.submodules',
            'f.name as zipName',
            'f.sha1 as zipSha1',
          ])
          // As text: the CamelCasePlugin would rename the package names, which are keys of the
          // jsonb object (`drupal/bench_dep` → `drupal/benchDep`).
          .select(sql<string | null>`r.composer_require::text`.as('composerRequire'))
          .select(
            sql<string>`to_char(r.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')`.as(
              'publishedAt',
            ),
          )
          .select(
            sql<number>`floor(extract(epoch FROM coalesce(r.commit_time, r.published_at)))::bigint`.as('datestamp'),
          )
          .whereRef('r.projectId', '=', 'p.id')
          .where('r.status', '=', 'published')
          .where('r.composerVersion', 'is not', null),
      ).as('releases'),
      jsonArrayFrom(
        eb
          .selectFrom('advisories as a')
          .select(['a.id', 'a.title', 'a.severity', 'a.affectedVersions', 'a.cve', 'a.link'])
          .select(sql<string>`to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')`.as('createdAt'))
          .whereRef('a.projectId', '=', 'p.id')
          .where('a.status', '=', 'published')
          .orderBy('a.id'),
      ).as('advisories'),
    ]);
  if (bySubmodule) {
    // The newest project shipping it wins, should two ever ship a sub-module of one name.
    query = query
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('releases as s')
            .select(sql`1`.as('one'))
            .whereRef('s.projectId', '=', 'p.id')
            .where('s.status', '=', 'published')
            .where(sql<boolean>`s.submodules @> ARRAY[${name}]::text[]`),
        ),
      )
      .orderBy('p.id', 'desc')
      .limit(1);
  } else {
    query = query.where('p.name', '=', name);
  }
  return query.executeTakeFirst() as Promise<ComposerSourceRow | undefined>;
}

/** The machine name of the core project (type `core`), published as `drupal/core`; the oldest if several. */
export async function findCoreProjectName(db: Executor): Promise<string | undefined> {
  const row = await db
    .selectFrom('projects')
    .select('name')
    .where('type', '=', 'core')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  return row?.name;
}

/** The project ids of `drupal/{name}` packages, for install counts; metapackages have none. */
export async function projectIdsByName(db: Executor, names: string[]): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  const rows = await db.selectFrom('projects').select(['id', 'name']).where('name', 'in', names).execute();
  return new Map(rows.map((row) => [row.name, row.id]));
}

/** Adds Composer installs for one week; input sorted so concurrent writers lock rows in one order. */
export async function addInstalls(
  db: Executor,
  week: string,
  counts: { projectId: string; version: string; installs: number }[],
): Promise<void> {
  if (counts.length === 0) return;
  const sortedCounts = [...counts].sort((a, b) =>
    a.projectId === b.projectId ? (a.version < b.version ? -1 : 1) : Number(a.projectId) - Number(b.projectId),
  );
  await db
    .insertInto('composerInstalls')
    .values(sortedCounts.map((count) => ({ ...count, week })))
    .onConflict((oc) =>
      oc
        .columns(['projectId', 'week', 'version'])
        .doUpdateSet({ installs: sql`composer_installs.installs + excluded.installs` }),
    )
    .execute();
}

/** Installs per week and version, newest week first, over the `weeks` latest weeks. */
export function listInstalls(
  db: Executor,
  projectId: string,
  sinceWeek: string,
): Promise<{ week: string; version: string; installs: string }[]> {
  return db
    .selectFrom('composerInstalls')
    .select([sql<string>`to_char(week, 'YYYY-MM-DD')`.as('week'), 'version', 'installs'])
    .where('projectId', '=', projectId)
    .where('week', '>=', sinceWeek)
    .orderBy('week', 'desc')
    .orderBy('version')
    .execute();
}

export interface ComposerSearchHit {
  name: string;
  title: string;
  type: ProjectsTable['type'];
  status: ProjectStatus;
  description: string;
  gitUrl: string;
  downloads: number;
}

/**
 * Composer's `search`: projects matching `query` (the pages' full-text search) that offer at
 * least one release in the repository, of the given project types, best first; one page and
 * the total.
 */
export async function searchPackages(
  db: Executor,
  query: string,
  { types, limit, offset }: { types: ProjectsTable['type'][]; limit: number; offset: number },
): Promise<{ hits: ComposerSearchHit[]; total: number }> {
  const { match, rank } = projectSearch(query);
  const found = db
    .selectFrom('projects')
    .where(match)
    .where('projects.type', 'in', types)
    .where('projects.status', '<>', 'unpublished')
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('releases as r')
          .select(sql`1`.as('one'))
          .whereRef('r.projectId', '=', 'projects.id')
          .where('r.status', '=', 'published')
          .where('r.feedStatus', '=', 'published')
          .where('r.composerVersion', 'is not', null),
      ),
    );
  const [hits, total] = await Promise.all([
    found
      .select(['name', 'title', 'type', 'status', 'description', 'gitUrl'])
      .select(
        sql<number>`(SELECT coalesce(sum(i.installs), 0)::integer FROM composer_installs i WHERE i.project_id = projects.id)`.as(
          'downloads',
        ),
      )
      .orderBy(rank, 'desc')
      .orderBy('name')
      .limit(limit)
      .offset(offset)
      .execute(),
    found.select(sql<number>`count(*)::integer`.as('total')).executeTakeFirstOrThrow(),
  ]);
  return { hits, total: total.total };
}

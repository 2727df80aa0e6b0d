import { sql, type Updateable } from 'kysely';
import type { Executor } from '../connection.ts';
import type { ProjectsTable, ReleasesTable } from '../schema.ts';
import type { ProjectRow } from './projects.ts';
import type { ReleaseRow } from './releases.ts';

export type ProjectSupportChanges = Pick<
  Updateable<ProjectsTable>,
  'status' | 'securityCoverage' | 'supportedBranches'
>;
export type ReleaseSupportChanges = Pick<Updateable<ReleasesTable>, 'feedStatus' | 'insecure' | 'releaseTypes'>;

/** What maintainers control about a project's support; the feed triggers notify the caches. */
export function updateProjectSupport(
  db: Executor,
  projectId: string,
  changes: ProjectSupportChanges,
): Promise<ProjectRow | undefined> {
  return db
    .updateTable('projects')
    .set({ ...changes, updatedAt: sql<Date>`now()` })
    .where('id', '=', projectId)
    .returningAll()
    .executeTakeFirst();
}

export function updateReleaseSupport(
  db: Executor,
  releaseId: string,
  changes: ReleaseSupportChanges,
): Promise<ReleaseRow | undefined> {
  return db
    .updateTable('releases')
    .set({ ...changes, updatedAt: sql<Date>`now()` })
    .where('id', '=', releaseId)
    .returningAll()
    .executeTakeFirst();
}

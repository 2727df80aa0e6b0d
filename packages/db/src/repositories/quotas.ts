import { sql } from 'kysely';
import type { Executor } from '../connection.ts';

// Counts behind the operator's quotas (registry/src/quotas.ts). Read before an insert, not in
// the same statement: concurrent requests may pass a quota by a few, which a quota allows.

/** Projects the user maintains. */
export async function countMaintained(db: Executor, userId: string): Promise<number> {
  const row = await db
    .selectFrom('maintainers')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('userId', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Tagged releases of the project requested in the last `seconds`. */
export async function countTaggedReleasesSince(db: Executor, projectId: string, seconds: number): Promise<number> {
  const row = await db
    .selectFrom('releases')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('projectId', '=', projectId)
    .where('kind', '=', 'tag')
    .where('createdAt', '>', sql<Date>`now() - make_interval(secs => ${seconds})`)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Builds of the dev release (one branch) queued in the last `seconds`. */
export async function countBuildsSince(db: Executor, releaseId: string, seconds: number): Promise<number> {
  const row = await db
    .selectFrom('builds')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('releaseId', '=', releaseId)
    .where('createdAt', '>', sql<Date>`now() - make_interval(secs => ${seconds})`)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

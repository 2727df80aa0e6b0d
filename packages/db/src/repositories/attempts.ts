import { sql } from 'kysely';
import type { Executor } from '../connection.ts';

/** The rows a packaging attempt claims: a tagged release, or a dev snapshot build. */
export type AttemptTable = 'releases' | 'builds';

/**
 * A transient failure: the claimed row (still `building`) waits for the attempt at
 * `nextAttemptAt`. The same for every job type that runs through registry/attempt.ts.
 */
export async function markRetrying(
  db: Executor,
  table: AttemptTable,
  id: string,
  failure: { lastError: string; detail: string | null; nextAttemptAt: Date },
): Promise<void> {
  await db
    .updateTable(table)
    .set({
      lastError: failure.lastError,
      errorDetail: failure.detail,
      nextAttemptAt: failure.nextAttemptAt,
      updatedAt: sql<Date>`now()`,
    })
    .where('id', '=', id)
    .where('status', '=', 'building')
    .execute();
}

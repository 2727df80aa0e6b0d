import type { Executor, Tx } from '../connection.ts';

export interface ReleaseNotes {
  message: string | null;
  taggedAt: Date | null;
}

/** Records a tag's annotation with the release it was packaged for (in the publish transaction). */
export async function saveNotes(tx: Tx, releaseId: string, notes: ReleaseNotes): Promise<void> {
  await tx
    .insertInto('releaseNotes')
    .values({ releaseId, ...notes })
    .onConflict((oc) => oc.column('releaseId').doNothing())
    .execute();
}

/** A release's notes; undefined for a lightweight tag, a dev release, or one packaged before notes were kept. */
export function findNotes(db: Executor, releaseId: string): Promise<ReleaseNotes | undefined> {
  return db
    .selectFrom('releaseNotes')
    .select(['message', 'taggedAt'])
    .where('releaseId', '=', releaseId)
    .executeTakeFirst();
}

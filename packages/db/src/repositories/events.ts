import type { Tx } from '../connection.ts';

/** Appends a change event in the same transaction as the change it describes. */
export async function appendEvent(
  tx: Tx,
  event: { kind: string; project: string; version: string | null; payload: object },
): Promise<void> {
  await tx
    .insertInto('events')
    .values({ ...event, payload: JSON.stringify(event.payload) })
    .execute();
}

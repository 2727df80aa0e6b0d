import type { Executor, Tx } from '../connection.ts';

export async function listReservedNames(db: Executor): Promise<string[]> {
  const rows = await db.selectFrom('reservedNames').select('name').orderBy('name').execute();
  return rows.map((row) => row.name);
}

export async function isReserved(db: Executor, name: string): Promise<boolean> {
  return (
    (await db.selectFrom('reservedNames').select('name').where('name', '=', name).executeTakeFirst()) !== undefined
  );
}

/** Replaces the whole list in one transaction. */
export async function replaceReservedNames(tx: Tx, names: string[]): Promise<void> {
  await tx.deleteFrom('reservedNames').execute();
  if (names.length > 0)
    await tx
      .insertInto('reservedNames')
      .values(names.map((name) => ({ name })))
      .execute();
}

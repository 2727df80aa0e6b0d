import { sql, type Selectable } from 'kysely';
import type { Executor } from '../connection.ts';
import type { SigningKeysTable } from '../schema.ts';

export type SigningKeyRow = Selectable<SigningKeysTable>;

/**
 * Records the key this process signs with. A key seen for the first time retires the keys
 * before it (they stay listed, with `validUntil`, so what they signed still verifies).
 */
export async function registerSigningKey(db: Executor, keyid: string, publicKey: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await sql`LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE`.execute(tx);
    const inserted = await tx
      .insertInto('signingKeys')
      .values({ keyid, algorithm: 'ed25519', publicKey })
      .onConflict((oc) => oc.column('keyid').doNothing())
      .returning('keyid')
      .executeTakeFirst();
    if (inserted) {
      await tx
        .updateTable('signingKeys')
        .set({ validUntil: sql<Date>`now()` })
        .where('keyid', '!=', keyid)
        .where('validUntil', 'is', null)
        .execute();
    }
  });
}

export function listSigningKeys(db: Executor): Promise<SigningKeyRow[]> {
  return db.selectFrom('signingKeys').selectAll().orderBy('validFrom', 'desc').execute();
}

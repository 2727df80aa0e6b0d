import { sql, type Selectable } from 'kysely';
import type { Executor } from '../connection.ts';
import type { TokenScope, TokensTable } from '../schema.ts';

export type TokenRow = Omit<Selectable<TokensTable>, 'tokenHash'>;

/** What authentication needs to know about a presented token, in one indexed read. */
export interface CredentialRow {
  tokenId: string;
  scopes: TokenScope[];
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  userId: string;
  userName: string;
  isAdmin: boolean;
  disabledAt: Date | null;
}

const listed = ['id', 'userId', 'name', 'scopes', 'expiresAt', 'lastUsedAt', 'createdAt'] as const;

/** A new named token; undefined when the user already has a token of that name. */
export function insertToken(
  db: Executor,
  token: { userId: string; name: string; tokenHash: Buffer; scopes: TokenScope[]; expiresAt?: Date | null },
): Promise<TokenRow | undefined> {
  return db
    .insertInto('tokens')
    .values(token)
    .onConflict((oc) => oc.columns(['userId', 'name']).doNothing())
    .returning(listed)
    .executeTakeFirst();
}

/** Creates or replaces the user's token of that name (the bootstrap administrator's ADMIN_TOKEN). */
export async function upsertToken(
  db: Executor,
  token: { userId: string; name: string; tokenHash: Buffer; scopes: TokenScope[] },
): Promise<void> {
  await db
    .insertInto('tokens')
    .values(token)
    .onConflict((oc) =>
      oc.columns(['userId', 'name']).doUpdateSet({ tokenHash: token.tokenHash, scopes: token.scopes, expiresAt: null }),
    )
    .execute();
}

export function findCredential(db: Executor, tokenHash: Buffer): Promise<CredentialRow | undefined> {
  return db
    .selectFrom('tokens')
    .innerJoin('users', 'users.id', 'tokens.userId')
    .select([
      'tokens.id as tokenId',
      'tokens.scopes',
      'tokens.expiresAt',
      'tokens.lastUsedAt',
      'users.id as userId',
      'users.name as userName',
      'users.isAdmin',
      'users.disabledAt',
    ])
    .where('tokens.tokenHash', '=', tokenHash)
    .executeTakeFirst();
}

/** Records a use, at most once a minute per token: authentication is not a write per request. */
export async function touchToken(db: Executor, id: string): Promise<void> {
  await db
    .updateTable('tokens')
    .set({ lastUsedAt: sql<Date>`now()` })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('lastUsedAt', 'is', null), eb('lastUsedAt', '<', sql<Date>`now() - interval '1 minute'`)]))
    .execute();
}

export function listTokens(db: Executor, userId: string): Promise<TokenRow[]> {
  return db.selectFrom('tokens').select(listed).where('userId', '=', userId).orderBy('id').execute();
}

export async function deleteToken(db: Executor, userId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('tokens').where('userId', '=', userId).where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

import type { Executor } from '../connection.ts';

export interface UserRow {
  id: string;
  name: string;
  isAdmin: boolean;
}

const columns = ['id', 'name', 'isAdmin'] as const;

export function insertUser(db: Executor, user: { name: string; tokenHash: Buffer; isAdmin?: boolean }) {
  return db
    .insertInto('users')
    .values(user)
    .onConflict((oc) => oc.column('name').doNothing())
    .returning(columns)
    .executeTakeFirst();
}

/** The bootstrap administrator: created on first boot, its token replaced when ADMIN_TOKEN changes. */
export async function upsertAdmin(db: Executor, name: string, tokenHash: Buffer): Promise<void> {
  await db
    .insertInto('users')
    .values({ name, tokenHash, isAdmin: true })
    .onConflict((oc) => oc.column('name').doUpdateSet({ tokenHash, isAdmin: true }))
    .execute();
}

export function findUserByTokenHash(db: Executor, tokenHash: Buffer): Promise<UserRow | undefined> {
  return db.selectFrom('users').select(columns).where('tokenHash', '=', tokenHash).executeTakeFirst();
}

export function findUserByName(db: Executor, name: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').select(columns).where('name', '=', name).executeTakeFirst();
}

export function findUserById(db: Executor, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').select(['id', 'name', 'isAdmin']).where('id', '=', id).executeTakeFirst();
}

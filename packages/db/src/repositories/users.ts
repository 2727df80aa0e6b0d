import { sql } from 'kysely';
import type { Executor } from '../connection.ts';

export interface UserRow {
  id: string;
  name: string;
  isAdmin: boolean;
  disabledAt: Date | null;
}

const columns = ['id', 'name', 'isAdmin', 'disabledAt'] as const;

export function insertUser(db: Executor, user: { name: string; isAdmin?: boolean }): Promise<UserRow | undefined> {
  return db
    .insertInto('users')
    .values(user)
    .onConflict((oc) => oc.column('name').doNothing())
    .returning(columns)
    .executeTakeFirst();
}

/** The bootstrap administrator: created on first boot, kept an enabled administrator. */
export async function upsertAdmin(db: Executor, name: string): Promise<UserRow> {
  return db
    .insertInto('users')
    .values({ name, isAdmin: true })
    .onConflict((oc) => oc.column('name').doUpdateSet({ isAdmin: true, disabledAt: null }))
    .returning(columns)
    .executeTakeFirstOrThrow();
}

export function findUserByName(db: Executor, name: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').select(columns).where('name', '=', name).executeTakeFirst();
}

/** Disables (every token stops at once) or enables a user; undefined when there is none. */
export function setDisabled(db: Executor, name: string, disabled: boolean): Promise<UserRow | undefined> {
  return db
    .updateTable('users')
    .set({ disabledAt: disabled ? sql<Date>`coalesce(disabled_at, now())` : null })
    .where('name', '=', name)
    .returning(columns)
    .executeTakeFirst();
}

export function findUserById(db: Executor, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').select(columns).where('id', '=', id).executeTakeFirst();
}

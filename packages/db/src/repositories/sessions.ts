import { sql } from 'kysely';
import type { Executor } from '../connection.ts';

export interface SessionUser {
  id: string;
  name: string;
  isAdmin: boolean;
  csrfToken: string;
}

export async function insertSession(
  db: Executor,
  session: { tokenHash: Buffer; userId: string; csrfToken: string; ttlMs: number },
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      tokenHash: session.tokenHash,
      userId: session.userId,
      csrfToken: session.csrfToken,
      expiresAt: sql<Date>`now() + make_interval(secs => ${session.ttlMs / 1000})`,
    })
    .execute();
}

/** The signed-in user of an unexpired session. */
export function findSessionUser(db: Executor, tokenHash: Buffer): Promise<SessionUser | undefined> {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.userId')
    .select(['users.id', 'users.name', 'users.isAdmin', 'sessions.csrfToken'])
    .where('sessions.tokenHash', '=', tokenHash)
    .where('sessions.expiresAt', '>', sql<Date>`now()`)
    .where('users.disabledAt', 'is', null) // a disabled user's sessions stop at once, as their tokens do
    .executeTakeFirst();
}

export async function deleteSession(db: Executor, tokenHash: Buffer): Promise<void> {
  await db.deleteFrom('sessions').where('tokenHash', '=', tokenHash).execute();
}

/** Signs a user out everywhere; returns how many sessions ended. */
export async function deleteUserSessions(db: Executor, userId: string): Promise<number> {
  const result = await db.deleteFrom('sessions').where('userId', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function pruneSessions(db: Executor): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where('expiresAt', '<', sql<Date>`now()`)
    .executeTakeFirst();
  const links = await db
    .deleteFrom('signInLinks')
    .where('expiresAt', '<', sql<Date>`now() - interval '1 day'`)
    .executeTakeFirst();
  return Number(result.numDeletedRows) + Number(links.numDeletedRows);
}

export async function insertSignInLink(
  db: Executor,
  link: { tokenHash: Buffer; userId: string; ttlMs: number },
): Promise<Date> {
  const row = await db
    .insertInto('signInLinks')
    .values({
      tokenHash: link.tokenHash,
      userId: link.userId,
      expiresAt: sql<Date>`now() + make_interval(secs => ${link.ttlMs / 1000})`,
    })
    .returning('expiresAt')
    .executeTakeFirstOrThrow();
  return row.expiresAt;
}

/** Uses a link once: the user it signs in, or undefined when unknown, used or expired. */
export async function consumeSignInLink(db: Executor, tokenHash: Buffer): Promise<string | undefined> {
  const row = await db
    .updateTable('signInLinks')
    .set({ usedAt: sql<Date>`now()` })
    .where('tokenHash', '=', tokenHash)
    .where('usedAt', 'is', null)
    .where('expiresAt', '>', sql<Date>`now()`)
    .returning('userId')
    .executeTakeFirst();
  return row?.userId;
}

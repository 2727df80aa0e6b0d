import { createHash, randomBytes } from 'node:crypto';
import { users, type Db } from '@packhouse/db';
import type { Actor, Registry } from './context.ts';
import { conflict, forbidden } from './errors.ts';

export const ADMIN_NAME = 'admin';

/** Tokens are random, shown once, and stored only as their sha256. */
export function newToken(): string {
  return `ph_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export async function authenticate(db: Db, token: string): Promise<Actor | undefined> {
  return users.findUserByTokenHash(db, hashToken(token));
}

export async function ensureAdmin(db: Db, token: string): Promise<void> {
  await users.upsertAdmin(db, ADMIN_NAME, hashToken(token));
}

export async function createUser(registry: Registry, actor: Actor, name: string): Promise<{ name: string; token: string }> {
  if (!actor.isAdmin) throw forbidden('Only an administrator can create users.');
  const token = newToken();
  const created = await users.insertUser(registry.db, { name, tokenHash: hashToken(token) });
  if (!created) throw conflict(`A user named "${name}" already exists.`);
  registry.log.info({ user: { name } }, 'User created.');
  return { name, token };
}

import { createHash, randomBytes } from 'node:crypto';
import { tokens, users, type Db, type TokenScope } from '@packhouse/db';
import type { Actor, Registry } from './context.ts';
import { conflict, DomainError, notFound } from './errors.ts';
import { requireAdmin } from './permissions.ts';

export const ADMIN_NAME = 'admin';
/** The token every user made by `POST /users` starts with; the name migrated single tokens got. */
export const FIRST_TOKEN = { name: 'default', scopes: ['release', 'manage'] as TokenScope[] };
const BOOTSTRAP_TOKEN = { name: 'bootstrap', scopes: ['release', 'manage', 'admin'] as TokenScope[] };

/** Tokens are random, shown once, and stored only as their sha256. */
export function newToken(): string {
  return `ph_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

const refused = (message: string) => new DomainError('unauthorized', 401, message);

/**
 * The caller a bearer token stands for, or a 401 saying why not: unknown (or revoked),
 * expired, or its user disabled. Records the token's use (at most once a minute).
 */
export async function authenticate(db: Db, token: string): Promise<Actor> {
  const found = await tokens.findCredential(db, hashToken(token));
  if (!found) throw refused('A valid bearer token is required.');
  if (found.expiresAt !== null && found.expiresAt.getTime() <= Date.now()) {
    throw refused(`The token expired at ${found.expiresAt.toISOString()}.`);
  }
  if (found.disabledAt !== null) throw refused(`The account "${found.userName}" is disabled.`);
  if (found.lastUsedAt === null || Date.now() - found.lastUsedAt.getTime() > 60_000)
    await tokens.touchToken(db, found.tokenId);
  return {
    id: found.userId,
    name: found.userName,
    isAdmin: found.isAdmin && found.scopes.includes('admin'),
    scopes: found.scopes,
    tokenId: found.tokenId,
  };
}

/** The bootstrap administrator and its `bootstrap` token (replaced when ADMIN_TOKEN changes). */
export async function ensureAdmin(db: Db, token: string): Promise<void> {
  const admin = await users.upsertAdmin(db, ADMIN_NAME);
  await tokens.upsertToken(db, { userId: admin.id, ...BOOTSTRAP_TOKEN, tokenHash: hashToken(token) });
}

export async function createUser(
  registry: Registry,
  actor: Actor,
  name: string,
): Promise<{ name: string; token: string }> {
  requireAdmin(actor, 'create users');
  const token = newToken();
  await registry.db.transaction().execute(async (tx) => {
    const created = await users.insertUser(tx, { name });
    if (!created) throw conflict(`A user named "${name}" already exists.`);
    await tokens.insertToken(tx, { userId: created.id, ...FIRST_TOKEN, tokenHash: hashToken(token) });
  });
  registry.log.info({ user: { name } }, 'User created.');
  return { name, token };
}

export interface UserView {
  name: string;
  isAdmin: boolean;
  disabled: boolean;
}

/** Disabling a user stops every one of their tokens at once; enabling gives them back. */
export async function setUserDisabled(
  registry: Registry,
  actor: Actor,
  name: string,
  disabled: boolean,
): Promise<UserView> {
  requireAdmin(actor, 'disable or enable users');
  if (disabled && name === actor.name) throw conflict('An administrator cannot disable their own account.');
  const user = await users.setDisabled(registry.db, name, disabled);
  if (!user) throw notFound(`No user named "${name}".`);
  registry.log.info({ user: { name }, by: { name: actor.name } }, disabled ? 'User disabled.' : 'User enabled.');
  return { name: user.name, isAdmin: user.isAdmin, disabled: user.disabledAt !== null };
}

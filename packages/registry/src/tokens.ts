import { tokens, type TokenRow, type TokenScope } from '@packhouse/db';
import type { Actor, Registry } from './context.ts';
import { conflict, forbidden, invalid, notFound } from './errors.ts';
import { hashToken, newToken } from './users.ts';

export const TOKEN_SCOPES = ['release', 'manage', 'admin'] as const satisfies readonly TokenScope[];

export interface TokenView {
  id: string;
  name: string;
  scopes: TokenScope[];
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

export interface NewToken {
  name: string;
  scopes: TokenScope[];
  /** ISO date-time in the future; absent: the token does not expire. */
  expiresAt?: string;
}

export async function listTokens(registry: Registry, actor: Actor): Promise<TokenView[]> {
  return (await tokens.listTokens(registry.db, actor.id)).map(tokenView);
}

/**
 * A new named token for the caller, shown once. It can hold no more than the token that
 * asked for it: a `release` token (CI) cannot mint a `manage` one, only administrators get `admin`.
 */
export async function createToken(
  registry: Registry,
  actor: Actor,
  input: NewToken,
): Promise<TokenView & { token: string }> {
  if (!actor.scopes.includes('manage') && !actor.isAdmin)
    throw forbidden('Creating tokens needs a token with the manage scope.');
  const scopes = [...new Set(input.scopes)];
  const beyond = scopes.filter((scope) => !actor.scopes.includes(scope) || (scope === 'admin' && !actor.isAdmin));
  if (beyond.length > 0)
    throw forbidden(`A token cannot grant scopes its creator's token lacks: ${beyond.join(', ')}.`);
  let expiresAt: Date | null = null;
  if (input.expiresAt !== undefined) {
    expiresAt = new Date(input.expiresAt);
    if (Number.isNaN(expiresAt.getTime())) throw invalid(`expiresAt: "${input.expiresAt}" is not a date-time.`);
    if (expiresAt.getTime() <= Date.now()) throw invalid('expiresAt must be in the future.');
  }
  const token = newToken();
  const row = await tokens.insertToken(registry.db, {
    userId: actor.id,
    name: input.name,
    scopes,
    expiresAt,
    tokenHash: hashToken(token),
  });
  if (!row) throw conflict(`You already have a token named "${input.name}".`);
  registry.log.info({ user: { name: actor.name }, token: { id: row.id, name: row.name, scopes } }, 'Token created.');
  return { ...tokenView(row), token };
}

/** Revokes one of the caller's tokens at once; a token may always revoke itself. */
export async function revokeToken(registry: Registry, actor: Actor, id: string): Promise<void> {
  if (id !== actor.tokenId && !actor.scopes.includes('manage') && !actor.isAdmin) {
    throw forbidden('Revoking another token needs a token with the manage scope.');
  }
  if (!(await tokens.deleteToken(registry.db, actor.id, id))) throw notFound(`You have no token ${id}.`);
  registry.log.info({ user: { name: actor.name }, token: { id } }, 'Token revoked.');
}

function tokenView(row: TokenRow): TokenView {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

import { randomBytes } from 'node:crypto';
import { sessions, users } from '@packhouse/db';
import type { Actor, Registry } from './context.ts';
import { DomainError, forbidden, notFound, unauthorized } from './errors.ts';
import { authenticate, hashToken } from './users.ts';

/** A browser session's user, with the CSRF token every form of that session must carry. */
export interface SessionActor extends Actor {
  csrfToken: string;
}

/** A new session: `token` goes in the cookie (only its sha256 is stored). */
export interface NewSession {
  token: string;
  actor: Actor;
}

function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

async function startSession(registry: Registry, actor: Actor): Promise<NewSession> {
  const token = newSecret('phs_');
  await sessions.insertSession(registry.db, {
    tokenHash: hashToken(token),
    userId: actor.id,
    csrfToken: randomBytes(24).toString('base64url'),
    ttlMs: registry.config.web.sessionTtlMs,
  });
  registry.log.info({ user: { name: actor.name } }, 'Signed in.');
  return { token, actor };
}

/** Signs in with an API token: the same check as the API's bearer authentication. */
export async function signInWithToken(registry: Registry, apiToken: string): Promise<NewSession> {
  const actor = await authenticate(registry.db, apiToken.trim());
  if (!actor) throw unauthorized();
  return startSession(registry, actor);
}

/** An administrator issues a short-lived, single-use sign-in link for a user. */
export async function issueSignInLink(
  registry: Registry,
  actor: Actor,
  userName: string,
): Promise<{ url: string; expiresAt: string }> {
  if (!actor.isAdmin) throw forbidden('Only an administrator can issue sign-in links.');
  const user = await users.findUserByName(registry.db, userName);
  if (!user) throw notFound(`No user named "${userName}".`);
  const token = newSecret('phl_');
  const expiresAt = await sessions.insertSignInLink(registry.db, {
    tokenHash: hashToken(token),
    userId: user.id,
    ttlMs: registry.config.web.signInLinkTtlMs,
  });
  registry.log.info({ user: { name: userName }, by: actor.name }, 'Sign-in link issued.');
  return { url: `${registry.config.publicUrl}/sign-in/link/${token}`, expiresAt: expiresAt.toISOString() };
}

export async function signInWithLink(registry: Registry, linkToken: string): Promise<NewSession> {
  const userId = await sessions.consumeSignInLink(registry.db, hashToken(linkToken));
  const user = userId ? await users.findUserById(registry.db, userId) : undefined;
  if (!user) {
    throw new DomainError(
      'sign_in_link_invalid',
      401,
      'This sign-in link is unknown, already used or expired; ask for a new one.',
    );
  }
  if (user.disabledAt !== null) throw new DomainError('unauthorized', 401, `The account "${user.name}" is disabled.`);
  return startSession(registry, sessionPowers(user));
}

/** A signed-in person acts with their user's full powers (no token narrows them). */
function sessionPowers<T extends { id: string; name: string; isAdmin: boolean }>(
  user: T,
): T & Pick<Actor, 'scopes' | 'tokenId'> {
  return {
    ...user,
    scopes: user.isAdmin ? ['release', 'manage', 'admin'] : ['release', 'manage'],
    tokenId: 'session',
  };
}

export async function sessionActor(registry: Registry, token: string): Promise<SessionActor | undefined> {
  const user = await sessions.findSessionUser(registry.db, hashToken(token));
  return user && sessionPowers(user);
}

export async function signOut(registry: Registry, token: string): Promise<void> {
  await sessions.deleteSession(registry.db, hashToken(token));
}

/** Ends every session of the user, in every browser. */
export async function signOutEverywhere(registry: Registry, actor: Actor): Promise<number> {
  const ended = await sessions.deleteUserSessions(registry.db, actor.id);
  registry.log.info({ user: { name: actor.name }, sessions: ended }, 'Signed out everywhere.');
  return ended;
}

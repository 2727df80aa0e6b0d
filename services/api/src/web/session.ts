import { randomBytes, timingSafeEqual } from 'node:crypto';
import { DomainError, sessionActor, type NewSession, type Registry, type SessionActor } from '@packhouse/registry';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'ph_session';
/** Double-submit token of the sign-in forms, which are posted before any session exists. */
export const SIGN_IN_CSRF_COOKIE = 'ph_csrf';

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return cookies;
}

function cookie(registry: Registry, name: string, value: string, maxAgeSeconds: number): string {
  const secure = registry.config.publicUrl.startsWith('https:') ? '; Secure' : '';
  return `${name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure}`;
}

const viewers = new WeakMap<FastifyRequest, Promise<SessionActor | null>>();

/** The signed-in user of this request's session cookie, or null; read once per request. */
export function viewerOf(registry: Registry, request: FastifyRequest): Promise<SessionActor | null> {
  let viewer = viewers.get(request);
  if (!viewer) {
    const token = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
    viewer =
      token && /^phs_[A-Za-z0-9_-]{43}$/.test(token)
        ? sessionActor(registry, token).then((found) => found ?? null)
        : Promise.resolve(null);
    viewers.set(request, viewer);
  }
  return viewer;
}

export function hasSessionCookie(request: FastifyRequest): boolean {
  return parseCookies(request.headers.cookie).has(SESSION_COOKIE);
}

export function sessionToken(request: FastifyRequest): string | undefined {
  return parseCookies(request.headers.cookie).get(SESSION_COOKIE);
}

export function setSessionCookie(registry: Registry, reply: FastifyReply, session: NewSession): void {
  reply.header('set-cookie', [
    cookie(registry, SESSION_COOKIE, session.token, Math.floor(registry.config.web.sessionTtlMs / 1000)),
    cookie(registry, SIGN_IN_CSRF_COOKIE, '', 0),
  ]);
}

export function clearSessionCookie(registry: Registry, reply: FastifyReply): void {
  reply.header('set-cookie', cookie(registry, SESSION_COOKIE, '', 0));
}

/** The sign-in forms' token: the cookie's when the browser has one, else a new one it is given. */
export function signInCsrf(registry: Registry, request: FastifyRequest, reply: FastifyReply): string {
  const existing = parseCookies(request.headers.cookie).get(SIGN_IN_CSRF_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{32}$/.test(existing)) return existing;
  const token = randomBytes(24).toString('base64url');
  reply.header('set-cookie', cookie(registry, SIGN_IN_CSRF_COOKIE, token, 3600));
  return token;
}

function same(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const csrfFailed = () =>
  new DomainError(
    'csrf_failed',
    403,
    "The form's CSRF token is missing or does not match your session; reload the page and submit it again.",
  );

/** A signed-in form: the session's CSRF token must come back with it. */
export async function requireFormViewer(registry: Registry, request: FastifyRequest): Promise<SessionActor> {
  const viewer = await viewerOf(registry, request);
  if (!viewer)
    throw new DomainError('unauthorized', 401, 'Sign in first: your session has ended or you are not signed in.');
  if (!same(formField(request, '_csrf'), viewer.csrfToken)) throw csrfFailed();
  return viewer;
}

/** A sign-in form: its token must equal the browser's sign-in CSRF cookie. */
export function requireSignInCsrf(request: FastifyRequest): void {
  if (!same(formField(request, '_csrf'), parseCookies(request.headers.cookie).get(SIGN_IN_CSRF_COOKIE)))
    throw csrfFailed();
}

export function formField(request: FastifyRequest, name: string): string | undefined {
  const value = (request.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined;
}

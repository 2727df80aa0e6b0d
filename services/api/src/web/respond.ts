import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Html } from './html.ts';

export const PUBLIC_CACHE_CONTROL = 'public, max-age=0, must-revalidate';
export const PRIVATE_CACHE_CONTROL = 'private, no-cache';

export function etagOf(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

export function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * A page: strong ETag over its bytes and a 304 when the browser has them. Anonymous views
 * may be kept by shared caches but are revalidated on every use; signed-in views only by
 * the browser. Either way the answer varies with the session cookie.
 */
export function sendPage(
  request: FastifyRequest,
  reply: FastifyReply,
  page: { body: Buffer; etag: string },
  { personal, status = 200 }: { personal: boolean; status?: number },
): FastifyReply {
  reply
    .header('cache-control', personal ? PRIVATE_CACHE_CONTROL : PUBLIC_CACHE_CONTROL)
    .header('vary', 'Cookie')
    .header('etag', page.etag)
    .header('x-content-type-options', 'nosniff')
    .header(
      'content-security-policy',
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; form-action " +
        "'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    .header('referrer-policy', 'same-origin')
    .type('text/html; charset=utf-8');
  if (status === 200 && matches(request.headers['if-none-match'], page.etag)) return reply.code(304).send();
  return reply.code(status).send(page.body);
}

export function pageOf(markup: Html): { body: Buffer; etag: string } {
  const body = Buffer.from(markup.value);
  return { body, etag: etagOf(body) };
}

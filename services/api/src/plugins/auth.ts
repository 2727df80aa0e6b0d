import { authenticate, rateLimited, unauthorized, type Actor, type Registry } from '@packhouse/registry';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, for routes that require one; 401 otherwise. Resolved once per request. */
    actor(): Promise<Actor>;
    /** The caller when the request carries credentials, null when it carries none; 401 for bad ones. */
    optionalActor(): Promise<Actor | null>;
  }
}

const resolved = Symbol('actor');
type WithActor = FastifyRequest & { [resolved]?: Promise<Actor | null> | null };

/**
 * Who is calling, from the bearer token: `request.actor()` is the one way routes learn
 * it, and `@packhouse/registry`'s permissions decide what the actor may do.
 *
 * Authentication comes before validation: a route that declares `security: bearer` in its
 * schema authenticates at onRequest, before its body is read, so a request without valid
 * credentials gets a 401 whatever its body holds. Failed attempts count per address
 * (RATE_LIMIT_AUTH_FAILURES a minute, in Redis); past the limit, a 429 with Retry-After
 * answers before any token is looked up.
 */
export default fp(
  async (app: FastifyInstance, { registry }: { registry: Registry }) => {
    async function resolve(request: FastifyRequest): Promise<Actor | null> {
      const header = request.headers.authorization;
      if (header === undefined) return null;
      const blocked = await app.authFailures(request, { increment: false });
      if (blocked.remaining === 0) throw tooMany(blocked.ttlInSeconds);
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      try {
        if (!match?.[1]) throw unauthorized();
        return await authenticate(registry.db, match[1]);
      } catch (error) {
        const counted = await app.authFailures(request);
        if (counted.remaining === 0)
          request.log.warn({ ip: request.ip }, 'Too many failed authentications from one address.');
        throw error;
      }
    }

    app.decorateRequest(resolved, null);
    app.decorateRequest('optionalActor', function optionalActor(this: FastifyRequest) {
      const request = this as WithActor;
      request[resolved] ??= resolve(request);
      return request[resolved];
    });
    app.decorateRequest('actor', async function actor(this: FastifyRequest) {
      const found = await this.optionalActor();
      if (!found) throw unauthorized();
      return found;
    });

    app.addHook('onRoute', (route: RouteOptions) => {
      if (!requiresBearer(route)) return;
      const hooks =
        route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
      route.onRequest = [async (request: FastifyRequest) => void (await request.actor()), ...hooks];
    });
  },
  { name: 'auth', dependencies: ['rate-limits'] },
);

function requiresBearer(route: RouteOptions): boolean {
  const security = (route.schema as { security?: Record<string, unknown>[] } | undefined)?.security;
  return security?.some((requirement) => 'bearer' in requirement) ?? false;
}

function tooMany(retryAfterSeconds: number) {
  return rateLimited('Too many failed authentications from this address; retry later.', Math.max(1, retryAfterSeconds));
}

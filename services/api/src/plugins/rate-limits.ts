import rateLimit, { type RateLimitOptions } from '@fastify/rate-limit';
import { rateLimited, type Registry } from '@packhouse/registry';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** Counts a failed authentication from the caller's address; `peek` only reads the count. */
    authFailures(
      request: FastifyRequest,
      options?: { increment: boolean },
    ): Promise<{ remaining: number; ttlInSeconds: number; max: number }>;
  }
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Rate limits counted in Redis (@fastify/rate-limit's Redis store, under the queue
 * prefix), so every API process sharing that Redis shares the counts. A Redis outage
 * lets requests through (as the API keeps recording releases then); /readyz reports it.
 */
export default fp(
  async (app: FastifyInstance, { registry }: { registry: Registry }) => {
    await app.register(rateLimit, {
      global: false,
      redis: registry.redis,
      nameSpace: `${registry.config.queuePrefix}:rate-limit:`,
      skipOnError: true,
      errorResponseBuilder: (_request, context) =>
        rateLimited(
          `Too many requests: the limit is ${context.max} here; retry in ${context.after}.`,
          Math.max(1, Math.ceil(context.ttl / 1000)),
        ),
    });
    const limiter = app.createRateLimit({
      max: registry.config.accounts.rateLimits.authFailuresPerMinute,
      timeWindow: MINUTE,
      keyGenerator: (request) => `auth-failures:${request.ip}`,
    });
    app.decorate('authFailures', async (request: FastifyRequest, options?: { increment: boolean }) => {
      const limit = await limiter(request, options);
      if (limit.isAllowed)
        return { remaining: Number.POSITIVE_INFINITY, ttlInSeconds: 0, max: Number.POSITIVE_INFINITY };
      return { remaining: limit.remaining, ttlInSeconds: limit.ttlInSeconds, max: limit.max };
    });
  },
  { name: 'rate-limits' },
);

export type LimitedAction = 'projects' | 'releases' | 'webhooks';

/**
 * A route's `config.rateLimit`. Project creation and release requests count per
 * authenticated user (after authentication, which runs at onRequest); webhook deliveries
 * per address.
 */
export function limitOf(registry: Registry, action: LimitedAction): RateLimitOptions {
  const limits = registry.config.accounts.rateLimits;
  switch (action) {
    case 'projects':
      return { max: limits.projectsPerHour, timeWindow: HOUR, hook: 'preValidation', keyGenerator: userKey };
    case 'releases':
      return { max: limits.releasesPerMinute, timeWindow: MINUTE, hook: 'preValidation', keyGenerator: userKey };
    case 'webhooks':
      return { max: limits.webhooksPerMinute, timeWindow: MINUTE };
  }
}

async function userKey(request: FastifyRequest): Promise<string> {
  return `user:${(await request.actor()).id}`;
}

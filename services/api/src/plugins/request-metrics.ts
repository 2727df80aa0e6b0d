import type { Registry } from '@packhouse/registry';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Counts every answered request by route pattern (never the raw URL: one series per route,
 * not per project) and status, with its duration. Listens for the raw response's finish,
 * so the feed routes, which write their answers themselves, are counted too.
 */
export default fp(
  async (app: FastifyInstance, { registry }: { registry: Registry }) => {
    app.addHook('onRequest', (request, reply, done) => {
      reply.raw.once('finish', () => {
        const route = request.routeOptions.url ?? 'unmatched';
        registry.metrics.request(request.method, route, reply.raw.statusCode, reply.elapsedTime / 1000);
      });
      done();
    });
  },
  { name: 'request-metrics' },
);

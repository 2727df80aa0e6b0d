import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Registry } from '@packhouse/registry';

/** Prometheus scrapes this; see docs/OPERATIONS.md for what each metric means. */
export const metricsRoutes: FastifyPluginAsyncTypebox<{ registry: Registry }> = async (app, { registry }) => {
  app.get(
    '/metrics',
    {
      logLevel: 'warn',
      schema: {
        summary: "This process's metrics in Prometheus text format.",
        tags: ['operations'],
        response: { 200: { content: { 'text/plain': { schema: Type.String() } } } },
      },
    },
    async (_request, reply) => {
      const { contentType, body } = await registry.metrics.render();
      return reply.type(contentType).send(body);
    },
  );
};

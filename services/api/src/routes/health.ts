import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { unreachable, type Registry } from '@packhouse/registry';

export const healthRoutes: FastifyPluginAsyncTypebox<{ registry: Registry }> = async (app, { registry }) => {
  app.get(
    '/healthz',
    {
      logLevel: 'warn',
      schema: {
        summary: 'The process is alive.',
        tags: ['operations'],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      logLevel: 'warn',
      schema: {
        summary: 'Postgres, Redis and S3 answer; 503 names what does not.',
        tags: ['operations'],
        response: {
          200: Type.Object({ status: Type.Literal('ready') }),
          503: Type.Object({ status: Type.Literal('unavailable'), unreachable: Type.Array(Type.String()) }),
        },
      },
    },
    async (_request, reply) => {
      const down = await unreachable(registry);
      if (down.length > 0) return reply.code(503).send({ status: 'unavailable' as const, unreachable: down });
      return { status: 'ready' as const };
    },
  );
};

import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createUser, type Registry } from '@packhouse/registry';
import { bearer, errors, UserName } from '../schemas.ts';

export const userRoutes: FastifyPluginAsyncTypebox<{ registry: Registry }> = async (app, { registry }) => {
  app.post(
    '/api/v1/users',
    {
      schema: {
        summary: 'Create a user (administrators only); the token is shown once.',
        tags: ['users'],
        security: bearer,
        body: Type.Object({ name: UserName }, { additionalProperties: false }),
        response: { 201: Type.Object({ name: Type.String(), token: Type.String() }), ...errors(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const user = await createUser(registry, await request.actor(), request.body.name);
      return reply.code(201).send(user);
    },
  );
};

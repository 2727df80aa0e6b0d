import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createUser, setUserDisabled, type Registry } from '@packhouse/registry';
import { bearer, errors, UserName } from '../schemas.ts';

export const userRoutes: FastifyPluginAsyncTypebox<{ registry: Registry }> = async (app, { registry }) => {
  app.post(
    '/api/v1/users',
    {
      schema: {
        summary: 'Create a user (administrators only); their first token ("default": release, manage) is shown once.',
        tags: ['users'],
        security: bearer,
        body: Type.Object({ name: UserName }, { additionalProperties: false }),
        response: {
          201: Type.Object({ name: Type.String(), token: Type.String() }),
          ...errors(400, 401, 403, 409, 429),
        },
      },
    },
    async (request, reply) => {
      const user = await createUser(registry, await request.actor(), request.body.name);
      return reply.code(201).send(user);
    },
  );

  app.patch(
    '/api/v1/users/:name',
    {
      schema: {
        summary:
          'Disable a user, stopping every one of their tokens at once, or enable them again (administrators only).',
        tags: ['users'],
        security: bearer,
        params: Type.Object({ name: UserName }),
        body: Type.Object({ disabled: Type.Boolean() }, { additionalProperties: false }),
        response: {
          200: Type.Object({ name: Type.String(), isAdmin: Type.Boolean(), disabled: Type.Boolean() }),
          ...errors(400, 401, 403, 404, 409, 429),
        },
      },
    },
    async (request) => setUserDisabled(registry, await request.actor(), request.params.name, request.body.disabled),
  );
};

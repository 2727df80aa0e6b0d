import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createToken, listTokens, revokeToken, type Registry } from '@packhouse/registry';
import { bearer, errors, TokenBody, TokenScope } from '../schemas.ts';

/** The caller's own tokens: list, create (shown once), revoke. */
export const tokenRoutes: FastifyPluginAsyncTypebox<{ registry: Registry }> = async (app, { registry }) => {
  app.get(
    '/api/v1/tokens',
    {
      schema: {
        summary: "The caller's tokens (never their values), with scopes, expiry and last use.",
        tags: ['tokens'],
        security: bearer,
        response: { 200: Type.Object({ tokens: Type.Array(TokenBody) }), ...errors(401, 429) },
      },
    },
    async (request) => ({ tokens: await listTokens(registry, await request.actor()) }),
  );

  app.post(
    '/api/v1/tokens',
    {
      schema: {
        summary: "Create a named token for the caller (shown once); its scopes cannot exceed the calling token's.",
        description:
          'Scopes: `release` (request releases and builds only, for CI), `manage` (everything on the ' +
          "caller's projects), `admin` (administrators only).",
        tags: ['tokens'],
        security: bearer,
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 64 }),
            scopes: Type.Array(TokenScope, { minItems: 1, uniqueItems: true }),
            expiresAt: Type.Optional(
              Type.String({ format: 'date-time', description: 'Absent: the token does not expire.' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Intersect([TokenBody, Type.Object({ token: Type.String() })]),
          ...errors(400, 401, 403, 409, 422, 429),
        },
      },
    },
    async (request, reply) => reply.code(201).send(await createToken(registry, await request.actor(), request.body)),
  );

  app.delete(
    '/api/v1/tokens/:id',
    {
      schema: {
        summary: "Revoke one of the caller's tokens; it stops working at once.",
        tags: ['tokens'],
        security: bearer,
        params: Type.Object({ id: Type.String({ pattern: '^[1-9][0-9]{0,17}$' }) }),
        response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      await revokeToken(registry, await request.actor(), request.params.id);
      return reply.code(204).send(null);
    },
  );
};

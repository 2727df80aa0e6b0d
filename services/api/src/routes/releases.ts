import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getRelease, requestRelease, type Registry } from '@packhouse/registry';
import { bearer, errors, MachineName, ReleaseType } from '../schemas.ts';

export const releaseRoutes: FastifyPluginAsyncTypebox<{ registry: Registry }> = async (app, { registry }) => {
  app.post(
    '/api/v1/projects/:name/releases',
    {
      schema: {
        summary: 'Release a tag (maintainers only): the tag is the version; packaging is queued.',
        tags: ['releases'],
        security: bearer,
        params: Type.Object({ name: MachineName }),
        body: Type.Object(
          {
            tag: Type.String({ minLength: 1, maxLength: 128 }),
            releaseTypes: Type.Optional(Type.Array(ReleaseType, { uniqueItems: true })),
          },
          { additionalProperties: false },
        ),
        response: { 202: Type.Ref('Release'), ...errors(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const release = await requestRelease(registry, await request.actor(), request.params.name, request.body);
      return reply.code(202).send(release);
    },
  );

  app.get(
    '/api/v1/projects/:name/releases/:version',
    {
      schema: {
        summary: 'One release: its status, commit and files with their checksums.',
        tags: ['releases'],
        params: Type.Object({ name: MachineName, version: Type.String({ maxLength: 128 }) }),
        response: { 200: Type.Ref('Release'), ...errors(400, 404) },
      },
    },
    async (request) => getRelease(registry, request.params.name, request.params.version),
  );
};

import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  getAllowlist,
  getAllowlistAsAdmin,
  listUsedBy,
  retryDistribution,
  setAllowlist,
  type Registry,
} from '@packhouse/registry';
import { bearer, DistributionBody, errors, MachineName } from '../schemas.ts';

const Allowlist = Type.Object({
  patterns: Type.Array(Type.String(), {
    description: 'Regular expressions, each anchored with ^; a library or patch URL must match one.',
  }),
  updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const UsedBy = Type.Object({
  project: Type.String(),
  usedBy: Type.Array(
    Type.Object({
      distribution: Type.String(),
      version: Type.String({ description: 'The distribution release.' }),
      componentVersion: Type.String({ description: 'The release of this project it bundles.' }),
      componentInsecure: Type.Boolean(),
    }),
  ),
});

/** Distribution builds: the library allowlist (admins) and which distributions bundle a project. */
export const distributionRoutes: FastifyPluginAsyncTypebox<{ registry: Registry }> = async (app, { registry }) => {
  app.get(
    '/api/v1/admin/library-allowlist',
    {
      schema: {
        summary: 'The library allowlist (administrators only).',
        tags: ['distributions'],
        security: bearer,
        response: { 200: Allowlist, ...errors(401, 403) },
      },
    },
    async (request) => getAllowlistAsAdmin(registry, await request.actor()),
  );

  app.put(
    '/api/v1/admin/library-allowlist',
    {
      schema: {
        summary: 'Replace the library allowlist (administrators only).',
        tags: ['distributions'],
        security: bearer,
        body: Type.Object(
          {
            patterns: Type.Array(Type.String({ minLength: 2, maxLength: 1000 }), { maxItems: 1000, uniqueItems: true }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Allowlist, ...errors(400, 401, 403, 422) },
      },
    },
    async (request) => setAllowlist(registry, await request.actor(), request.body.patterns),
  );

  app.get(
    '/packaging-allowlist.json',
    {
      schema: {
        summary: 'The library allowlist, public, like drupal.org’s packaging whitelist.',
        tags: ['distributions'],
        response: { 200: Allowlist },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=60');
      return getAllowlist(registry);
    },
  );

  app.post(
    '/api/v1/projects/:name/releases/:version/distribution/retry',
    {
      schema: {
        summary: 'Queue a failed distribution build again (maintainers only).',
        tags: ['distributions'],
        security: bearer,
        params: Type.Object({ name: MachineName, version: Type.String({ maxLength: 128 }) }),
        response: { 202: DistributionBody, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const view = await retryDistribution(
        registry,
        await request.actor(),
        request.params.name,
        request.params.version,
      );
      return reply.code(202).send(view);
    },
  );

  app.get(
    '/api/v1/projects/:name/used-by',
    {
      schema: {
        summary: 'Published distribution releases that bundle a release of this project.',
        description: 'A maintainer whose release is marked insecure sees which distributions must be rebuilt.',
        tags: ['distributions'],
        params: Type.Object({ name: MachineName }),
        response: { 200: UsedBy, ...errors(400, 404) },
      },
    },
    async (request) => ({ project: request.params.name, usedBy: await listUsedBy(registry, request.params.name) }),
  );
};

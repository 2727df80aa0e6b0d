import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  buildBranch,
  getRelease,
  getReleaseFailure,
  registerBranch,
  requestRelease,
  retryRelease,
  type Registry,
} from '@packhouse/registry';
import { limitOf } from '../plugins/rate-limits.ts';
import { bearer, errors, MachineName, ReleaseFailureBody, ReleaseType } from '../schemas.ts';

export const releaseRoutes: FastifyPluginAsyncTypebox<{ registry: Registry }> = async (app, { registry }) => {
  app.post(
    '/api/v1/projects/:name/releases',
    {
      config: { rateLimit: limitOf(registry, 'releases') },
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
        response: { 202: Type.Ref('Release'), ...errors(400, 401, 403, 404, 409, 422, 429) },
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

  app.get(
    '/api/v1/projects/:name/releases/:version/failure',
    {
      schema: {
        summary: "Why a release failed or is retrying, git's whole output included (maintainers only).",
        tags: ['releases'],
        security: bearer,
        params: Type.Object({ name: MachineName, version: Type.String({ maxLength: 128 }) }),
        response: { 200: ReleaseFailureBody, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => getReleaseFailure(registry, await request.actor(), request.params.name, request.params.version),
  );

  app.post(
    '/api/v1/projects/:name/releases/:version/retry',
    {
      config: { rateLimit: limitOf(registry, 'releases') },
      schema: {
        summary: 'Queue a failed release again (maintainers only); a published release never changes.',
        tags: ['releases'],
        security: bearer,
        params: Type.Object({ name: MachineName, version: Type.String({ maxLength: 128 }) }),
        response: { 202: Type.Ref('Release'), ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const release = await retryRelease(registry, await request.actor(), request.params.name, request.params.version);
      return reply.code(202).send(release);
    },
  );

  app.post(
    '/api/v1/projects/:name/branches',
    {
      config: { rateLimit: limitOf(registry, 'releases') },
      schema: {
        summary: 'Register a release branch (7.x-1.x, 2.0.x, 3.x) as the {branch}-dev release; its head is packaged.',
        tags: ['releases'],
        security: bearer,
        params: Type.Object({ name: MachineName }),
        body: Type.Object({ branch: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false }),
        response: { 202: Type.Ref('Release'), ...errors(400, 401, 403, 404, 409, 422, 429) },
      },
    },
    async (request, reply) => {
      const release = await registerBranch(registry, await request.actor(), request.params.name, request.body.branch);
      return reply.code(202).send(release);
    },
  );

  app.post(
    '/api/v1/projects/:name/branches/:branch/build',
    {
      config: { rateLimit: limitOf(registry, 'releases') },
      schema: {
        summary: 'Package the branch head if it moved since the last build (maintainers only).',
        tags: ['releases'],
        security: bearer,
        params: Type.Object({ name: MachineName, branch: Type.String({ maxLength: 128 }) }),
        response: {
          202: BuildRequest,
          200: BuildRequest,
          ...errors(400, 401, 403, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const result = await buildBranch(registry, await request.actor(), request.params.name, request.params.branch);
      return reply.code(result.outcome === 'queued' ? 202 : 200).send(result);
    },
  );
};

const BuildRequest = Type.Object({
  outcome: Type.Union([Type.Literal('queued'), Type.Literal('already_queued'), Type.Literal('unchanged')]),
  buildId: Type.Optional(Type.String()),
  commit: Type.Optional(Type.String()),
});

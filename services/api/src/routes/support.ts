import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  getProjectSupport,
  setSupportedBranches,
  updateProjectSupport,
  updateReleaseSupport,
  type Registry,
} from '@packhouse/registry';
import { bearer, errors, MachineName, ReleaseType } from '../schemas.ts';

const ProjectStatus = Type.Union(
  [
    Type.Literal('published'),
    Type.Literal('unsupported'),
    Type.Literal('unpublished'),
    Type.Literal('insecure'),
    Type.Literal('revoked'),
  ],
  { description: 'The `project_status` the feeds print.' },
);
const FeedStatus = Type.Union([Type.Literal('published'), Type.Literal('unpublished')], {
  description: 'The release `status` the feeds print; not the build status.',
});
const Branch = Type.String({
  pattern: '^[0-9][0-9.x-]*\\.$',
  maxLength: 64,
  description: 'A version cut after its last dot: `8.x-1.`, `2.0.`, or `3.` for a `3.x-dev` major.',
});

const ProjectSupport = Type.Object({
  name: Type.String(),
  status: Type.String(),
  securityCoverage: Type.Boolean(),
  supportedBranches: Type.Array(Type.String()),
});
const ReleaseSupport = Type.Object({
  project: Type.String(),
  version: Type.String(),
  status: FeedStatus,
  insecure: Type.Boolean(),
  releaseTypes: Type.Array(Type.String()),
});
const ProjectParams = Type.Object({ name: MachineName });

/** What maintainers control in the update status feeds; every change shows in the next response. */
export const supportRoutes: FastifyPluginAsyncTypebox<{ registry: Registry }> = async (app, { registry }) => {
  app.get(
    '/api/v1/projects/:name/support',
    {
      schema: {
        summary: "A project's status, security coverage and supported branches.",
        tags: ['support'],
        params: ProjectParams,
        response: { 200: ProjectSupport, ...errors(400, 404) },
      },
    },
    async (request) => getProjectSupport(registry, request.params.name),
  );

  app.put(
    '/api/v1/projects/:name/supported-branches',
    {
      schema: {
        summary:
          'Set the supported branches (maintainers only); legacy feeds derive their majors from them. An ' +
          'empty list (the default) supports every branch with a published release.',
        tags: ['support'],
        security: bearer,
        params: ProjectParams,
        body: Type.Array(Branch, { maxItems: 100 }),
        response: { 200: ProjectSupport, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => setSupportedBranches(registry, await request.actor(), request.params.name, request.body),
  );

  app.patch(
    '/api/v1/projects/:name',
    {
      schema: {
        summary: "Change a project's status or security coverage (maintainers only).",
        tags: ['support'],
        security: bearer,
        params: ProjectParams,
        body: Type.Object(
          { status: Type.Optional(ProjectStatus), securityCoverage: Type.Optional(Type.Boolean()) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: ProjectSupport, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => updateProjectSupport(registry, await request.actor(), request.params.name, request.body),
  );

  app.patch(
    '/api/v1/projects/:name/releases/:version',
    {
      schema: {
        summary:
          'Unpublish or republish a release in the feeds, mark it insecure, change its types (maintainers only).',
        tags: ['support'],
        security: bearer,
        params: Type.Object({ name: MachineName, version: Type.String({ maxLength: 128 }) }),
        body: Type.Object(
          {
            status: Type.Optional(FeedStatus),
            releaseTypes: Type.Optional(Type.Array(ReleaseType, { uniqueItems: true })),
            insecure: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: ReleaseSupport, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) =>
      updateReleaseSupport(registry, await request.actor(), request.params.name, request.params.version, request.body),
  );
};

import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  addMaintainer,
  createProject,
  deleteProject,
  getProject,
  removeMaintainer,
  rotateWebhookSecret,
  type Registry,
} from '@packhouse/registry';
import { limitOf } from '../plugins/rate-limits.ts';
import { bearer, errors, MachineName, Maintainers, ProjectType, UserName } from '../schemas.ts';

const ProjectParams = Type.Object({ name: MachineName });
const MaintainerParams = Type.Object({ name: MachineName, user: UserName });

export const projectRoutes: FastifyPluginAsyncTypebox<{ registry: Registry }> = async (app, { registry }) => {
  app.post(
    '/api/v1/projects',
    {
      config: { rateLimit: limitOf(registry, 'projects') },
      schema: {
        summary:
          'Create a project; the caller becomes its owner. Type core and reserved names are for administrators only.',
        tags: ['projects'],
        security: bearer,
        body: Type.Object(
          {
            name: MachineName,
            title: Type.String({ minLength: 1, maxLength: 255 }),
            type: ProjectType,
            gitUrl: Type.String({ minLength: 1, maxLength: 2048 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Ref('Project'), ...errors(400, 401, 403, 409, 422, 429) },
      },
    },
    async (request, reply) => {
      const project = await createProject(registry, await request.actor(), request.body);
      return reply.code(201).send(project);
    },
  );

  app.get(
    '/api/v1/projects/:name',
    {
      schema: {
        summary: 'A project with its maintainers and releases, newest first.',
        tags: ['projects'],
        params: ProjectParams,
        response: { 200: Type.Ref('Project'), ...errors(400, 404) },
      },
    },
    async (request) => getProject(registry, request.params.name),
  );

  app.delete(
    '/api/v1/projects/:name',
    {
      schema: {
        summary: 'Delete a project that never published a release (administrators only).',
        description:
          'For a name made by mistake, squatted or abandoned before anything was released: the project, its ' +
          'maintainers and its failed releases are deleted, and the change feed records `project.deleted`. ' +
          'A project with a release that is published (listed or unpublished) or being built answers 409 ' +
          '`project_has_releases`: sites, lock files and mirrors keep its archive URLs and checksums, so such ' +
          'a project is retired instead (status ' +
          '`unsupported`, releases unpublished), as on drupal.org. Its name is free again afterwards.',
        tags: ['admin'],
        security: bearer,
        params: ProjectParams,
        response: { 204: Type.Null(), ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      await deleteProject(registry, await request.actor(), request.params.name);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/v1/projects/:name/webhook-secret',
    {
      schema: {
        summary: 'Replace the webhook secret (maintainers only); the new one is shown once.',
        tags: ['webhooks'],
        security: bearer,
        params: ProjectParams,
        response: { 200: Type.Object({ webhookSecret: Type.String() }), ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (request) => rotateWebhookSecret(registry, await request.actor(), request.params.name),
  );

  app.put(
    '/api/v1/projects/:name/maintainers/:user',
    {
      schema: {
        summary: 'Add a plain maintainer, or make an owner a plain maintainer (owners only; the last owner stays).',
        tags: ['projects'],
        security: bearer,
        params: MaintainerParams,
        response: { 200: Maintainers, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) =>
      addMaintainer(registry, await request.actor(), request.params.name, request.params.user, 'maintainer'),
  );

  app.put(
    '/api/v1/projects/:name/owners/:user',
    {
      schema: {
        summary: 'Make a user an owner of the project, adding them as a maintainer if needed (owners only).',
        description:
          'Owners add and remove maintainers; plain maintainers release and manage the project but cannot ' +
          'remove an owner.',
        tags: ['projects'],
        security: bearer,
        params: MaintainerParams,
        response: { 200: Maintainers, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (request) =>
      addMaintainer(registry, await request.actor(), request.params.name, request.params.user, 'owner'),
  );

  app.delete(
    '/api/v1/projects/:name/maintainers/:user',
    {
      schema: {
        summary: 'Remove a maintainer (owners; any maintainer may remove themself); the last owner cannot be removed.',
        tags: ['projects'],
        security: bearer,
        params: MaintainerParams,
        response: { 200: Maintainers, ...errors(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => removeMaintainer(registry, await request.actor(), request.params.name, request.params.user),
  );
};

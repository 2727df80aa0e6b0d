import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  approveProject,
  getReservedNames,
  listAwaitingApproval,
  setReservedNames,
  transferProject,
  type Registry,
} from '@packhouse/registry';
import { bearer, errors, MachineName, Maintainers, UserName } from '../schemas.ts';

const ReservedNames = Type.Object({ names: Type.Array(Type.String()) });

/** Administrators only: who may claim which names, and who holds a project. */
export const adminRoutes: FastifyPluginAsyncTypebox<{ registry: Registry }> = async (app, { registry }) => {
  app.get(
    '/api/v1/admin/reserved-names',
    {
      schema: {
        summary: 'Project names only administrators may create (administrators only).',
        tags: ['admin'],
        security: bearer,
        response: { 200: ReservedNames, ...errors(401, 403, 429) },
      },
    },
    async (request) => ({ names: await getReservedNames(registry, await request.actor()) }),
  );

  app.put(
    '/api/v1/admin/reserved-names',
    {
      schema: {
        summary: 'Replace the reserved project names (administrators only); existing projects keep their names.',
        tags: ['admin'],
        security: bearer,
        body: Type.Object({ names: Type.Array(MachineName, { maxItems: 10_000 }) }, { additionalProperties: false }),
        response: { 200: ReservedNames, ...errors(400, 401, 403, 422, 429) },
      },
    },
    async (request) => ({ names: await setReservedNames(registry, await request.actor(), request.body.names) }),
  );

  app.post(
    '/api/v1/admin/projects/:name/transfer',
    {
      schema: {
        summary: 'Transfer a project (administrators only): the user becomes its only maintainer and owner.',
        tags: ['admin'],
        security: bearer,
        params: Type.Object({ name: MachineName }),
        body: Type.Object({ to: UserName }, { additionalProperties: false }),
        response: { 200: Maintainers, ...errors(400, 401, 403, 404, 429) },
      },
    },
    async (request) => transferProject(registry, await request.actor(), request.params.name, request.body.to),
  );

  app.get(
    '/api/v1/admin/projects/awaiting-approval',
    {
      schema: {
        summary:
          'Projects waiting for approval, oldest first, with how many releases and builds wait (administrators only).',
        tags: ['admin'],
        security: bearer,
        response: {
          200: Type.Object({
            projects: Type.Array(
              Type.Object({
                name: Type.String(),
                title: Type.String(),
                type: Type.String(),
                gitUrl: Type.String(),
                owners: Type.Array(Type.String()),
                createdAt: Type.String({ format: 'date-time' }),
                waiting: Type.Integer(),
              }),
            ),
          }),
          ...errors(401, 403, 429),
        },
      },
    },
    async (request) => ({ projects: await listAwaitingApproval(registry, await request.actor()) }),
  );

  app.post(
    '/api/v1/admin/projects/:name/approve',
    {
      schema: {
        summary:
          'Approve a project (administrators only; PROJECT_APPROVAL=admin): its waiting releases are queued ' +
          'for packaging.',
        tags: ['admin'],
        security: bearer,
        params: Type.Object({ name: MachineName }),
        response: {
          200: Type.Object({ name: Type.String(), approved: Type.Literal(true), enqueued: Type.Integer() }),
          ...errors(400, 401, 403, 404, 409, 429),
        },
      },
    },
    async (request) => approveProject(registry, await request.actor(), request.params.name),
  );
};

import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getComposerInstalls, getUsage, type Registry } from '@packhouse/registry';
import { errors, MachineName } from '../schemas.ts';

const UsageWeek = Type.Object({
  week: Type.String({ description: 'ISO week, e.g. `2026-W48`.' }),
  weekStart: Type.String({ format: 'date', description: 'Its Monday (UTC).' }),
  sites: Type.Integer(),
  versions: Type.Array(Type.Object({ version: Type.String(), sites: Type.Integer() })),
});
const InstallsWeek = Type.Object({
  week: Type.String({ description: 'ISO week, e.g. `2026-W48`.' }),
  weekStart: Type.String({ format: 'date', description: 'Its Monday (UTC).' }),
  installs: Type.Integer(),
  versions: Type.Array(
    Type.Object({
      version: Type.String({ description: 'The Drupal version of the release installed.' }),
      installs: Type.Integer(),
    }),
  ),
});

export const usageRoutes: FastifyPluginAsyncTypebox<{ registry: Registry }> = async (app, { registry }) => {
  app.get(
    '/api/v1/projects/:name/usage',
    {
      schema: {
        summary:
          'Sites reporting the project per ISO week and version, and Composer installs beside them, newest week first.',
        description:
          'A site counts once per week, with the version it reported first that week. `composer` counts ' +
          'every install Composer reported through notify-batch.',
        tags: ['usage'],
        params: Type.Object({ name: MachineName }),
        // Query values are strings here (no type coercion): a number of weeks, 1 to 520, default 12.
        querystring: Type.Object({
          weeks: Type.Optional(Type.String({ pattern: '^([1-9][0-9]?|[1-4][0-9]{2}|5[01][0-9]|520)$' })),
        }),
        response: {
          200: Type.Object({
            project: Type.String(),
            weeks: Type.Array(UsageWeek),
            composer: Type.Array(InstallsWeek),
          }),
          ...errors(400, 404),
        },
      },
    },
    async (request) => ({
      project: request.params.name,
      weeks: await getUsage(registry, request.params.name, Number(request.query.weeks ?? 12)),
      composer: await getComposerInstalls(registry, request.params.name, Number(request.query.weeks ?? 12)),
    }),
  );
};

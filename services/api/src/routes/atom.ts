import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { allReleasesAtom, projectReleasesAtom, type Registry } from '@packhouse/registry';
import { errors, MachineName } from '../schemas.ts';

const atom = {
  description: 'An Atom feed (RFC 4287), newest release first.',
  content: { 'application/atom+xml': { schema: Type.String() } },
};
const ATOM_TYPE = 'application/atom+xml; charset=utf-8';

/** Atom feeds of new releases, for people and feed readers (mirrors use /api/v1/changes). */
export const atomRoutes: FastifyPluginAsyncTypebox<{ registry: Registry }> = async (app, { registry }) => {
  app.get(
    '/feeds/releases.atom',
    { schema: { summary: 'The newest releases of every project.', tags: ['feeds'], response: { 200: atom } } },
    async (_request, reply) =>
      reply
        .type(ATOM_TYPE)
        .header('cache-control', 'public, max-age=60')
        .send(await allReleasesAtom(registry)),
  );

  app.get(
    '/project/:name/releases.atom',
    {
      schema: {
        summary: "One project's newest releases.",
        tags: ['feeds'],
        params: Type.Object({ name: MachineName }),
        response: { 200: atom, ...errors(400, 404) },
      },
    },
    async (request, reply) =>
      reply
        .type(ATOM_TYPE)
        .header('cache-control', 'public, max-age=60')
        .send(await projectReleasesAtom(registry, request.params.name)),
  );
};

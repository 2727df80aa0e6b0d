import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { parseSelector } from '@packhouse/update-status';
import { feedNotFound, MACHINE_NAME, projectListFeed, releaseHistory, type Registry } from '@packhouse/registry';
import type { FastifyReply } from 'fastify';
import type { UpdateStatus } from '../update-status/service.ts';
import { represent, type CacheState, type FeedRepresentation } from '../update-status/representation.ts';
import { respond } from '../update-status/respond.ts';

/**
 * The feeds answer XML, not JSON: documented by media type (the answers are written by `respond`, never serialized).
 */
const xml = (description: string) => ({ description, content: { 'application/xml': { schema: Type.String() } } });
const FeedResponses = {
  200: xml('Update status XML, as updates.drupal.org serves it (`application/xml; charset=utf-8`).'),
  304: Type.Null({ description: 'Not modified since the ETag or date the client has; no body.' }),
  404: xml('XML `<error>` document: no such project.'),
};

/**
 * The update status feeds Drupal sites poll (updates.drupal.org's protocol), served from an
 * in-memory cache kept fresh by Postgres notifications, and the usage counts they report.
 * Cache hits of release histories on connections the front door keeps (update-status/front-door.ts)
 * are answered before Node parses them; these routes serve everything else, and are what
 * the OpenAPI document describes.
 */
export const updateStatusRoutes: FastifyPluginAsyncTypebox<{ registry: Registry; updateStatus: UpdateStatus }> = async (
  app,
  { registry, updateStatus },
) => {
  const { cache } = updateStatus;

  app.get(
    '/release-history/project-list/all',
    {
      logLevel: 'warn',
      schema: { summary: 'Every project, as updates.drupal.org lists them.', tags: ['feeds'], response: FeedResponses },
    },
    async (request, reply) => {
      const { representation, state } = await cache.get('project-list/all', null, () => projectListFeed(registry));
      return send(reply, updateStatus, representation, state);
    },
  );

  app.get(
    '/release-history/:project/:selector',
    {
      logLevel: 'warn',
      schema: {
        summary: "A project's release history: `current` (Drupal 8+), a legacy core such as `7.x`, or `all`.",
        description: 'Sites add `site_key` and `version` to be counted in the weekly usage statistics.',
        tags: ['feeds'],
        params: Type.Object({ project: Type.String({ maxLength: 255 }), selector: Type.String({ maxLength: 32 }) }),
        querystring: Type.Object({
          site_key: Type.Optional(Type.String()),
          version: Type.Optional(Type.String()),
          list: Type.Optional(Type.String()),
        }),
        response: FeedResponses,
      },
    },
    async (request, reply) => {
      const { project, selector } = request.params;
      const parsed = parseSelector(selector);
      // Names that cannot exist are answered without a lookup, and never fill the cache.
      if (!parsed || !MACHINE_NAME.test(project))
        return send(reply, updateStatus, await represent(feedNotFound(project)), 'bypass');
      const { representation, state } = await cache.get(`${project}/${selector}`, project, () =>
        releaseHistory(registry, project, parsed),
      );
      const { site_key: siteKey, version } = request.query;
      updateStatus.countPoll(representation, siteKey, version);
      return send(reply, updateStatus, representation, state);
    },
  );
};

/** The answer is written from the same header lists as the front door's, so that both send the same bytes. */
function send(reply: FastifyReply, updateStatus: UpdateStatus, representation: FeedRepresentation, state: CacheState) {
  updateStatus.served(state);
  reply.hijack();
  respond(reply.request.raw, reply.raw, representation, state);
  return reply;
}

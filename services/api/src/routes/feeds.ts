import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { parseSelector } from '@packhouse/feeds';
import { createUsageRecorder, feedNotFound, listenForFeedChanges, projectListFeed, releaseHistory, type Registry } from '@packhouse/registry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FeedCache, type CacheState } from '../feeds/cache.ts';
import { acceptsGzip, notModified } from '../feeds/conditional.ts';
import { represent, type FeedRepresentation } from '../feeds/representation.ts';

/** The channel the feed triggers (migration 20261128140000) notify with a project name. */

const PROJECT_NAME = /^[a-z][a-z0-9_]{1,63}$/;

const FeedResponses = {
  200: Type.Any({ description: 'Update status XML (application/xml; charset=utf-8).' }),
  304: Type.Null({ description: 'Not modified since the ETag or date the client has.' }),
  404: Type.Any({ description: 'XML `<error>` document: no such project.' }),
};

/**
 * The update status feeds Drupal sites poll (updates.drupal.org's protocol), served from an
 * in-memory cache kept fresh by Postgres notifications, and the usage counts they report.
 */
export const feedRoutes: FastifyPluginAsyncTypebox<{ registry: Registry }> = async (app, { registry }) => {
  const cache = new FeedCache({ maxBytes: registry.config.updateStatus.feedCacheBytes, sync: () => listener.sync() });
  const listener = listenForFeedChanges(registry, {
    onChange: (project) => cache.changed(project),
    onReset: () => cache.reset(),
  });
  const usage = createUsageRecorder(registry);
  await listener.start();
  app.addHook('onClose', async () => {
    await listener.close();
    await usage.close();
  });

  app.get(
    '/release-history/project-list/all',
    {
      logLevel: 'warn',
      schema: { summary: 'Every project, as updates.drupal.org lists them.', tags: ['feeds'], response: FeedResponses },
    },
    async (request, reply) => {
      const { representation, state } = await cache.get('project-list/all', null, () => projectListFeed(registry));
      return send(request, reply, representation, state);
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
      if (!parsed || !PROJECT_NAME.test(project)) return send(request, reply, await represent(feedNotFound(project)), 'bypass');
      const { representation, state } = await cache.get(`${project}/${selector}`, project, () => releaseHistory(registry, project, parsed));
      const { site_key: siteKey, version } = request.query;
      if (representation.projectId !== null && siteKey && version) usage.record(representation.projectId, siteKey, version);
      return send(request, reply, representation, state);
    },
  );
};

function send(request: FastifyRequest, reply: FastifyReply, representation: FeedRepresentation, state: CacheState) {
  const gzip = acceptsGzip(request.headers['accept-encoding']);
  reply.headers(gzip ? representation.headers.gzip : representation.headers.identity).header('x-packhouse-cache', state);
  if (representation.status === 404) return reply.code(404).send(gzip ? representation.gzip : representation.body);
  if (notModified(request.headers, representation)) return reply.code(304).removeHeader('content-encoding').send();
  return reply.send(gzip ? representation.gzip : representation.body);
}

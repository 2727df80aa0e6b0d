import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { MACHINE_NAME } from '@packhouse/registry';
import type { Logger } from 'pino';
import type { Feeds } from './feeds.ts';
import { respond } from './respond.ts';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

const PREFIX = '/release-history/';
// `{project}/{selector}` as routes/feeds.ts caches it (a machine name without its `$`, a
// slash, a selector); anything else goes to the framework.
const CACHE_KEY = new RegExp(`${MACHINE_NAME.source.slice(0, -1)}/[0-9a-z.]{1,32}$`);

/**
 * Cache hits of the update status feed, answered before the framework sees the request.
 * Sites poll feeds far more often than anything else is asked, and a hit needs no routing,
 * schema or hooks: the cache key is the path and the answer was built when the feed was
 * rendered. Everything else (misses, 404s, odd query strings, every other route) is handed
 * to fastify unchanged, where routes/feeds.ts serves feeds the full way.
 */
export function feedFastPath(feeds: Feeds, log: Logger, next: Handler): Handler {
  return (request, response) => {
    const url = request.url ?? '';
    if ((request.method !== 'GET' && request.method !== 'HEAD') || !url.startsWith(PREFIX)) return next(request, response);
    const queryAt = url.indexOf('?');
    const key = url.slice(PREFIX.length, queryAt === -1 ? url.length : queryAt);
    if (!CACHE_KEY.test(key)) return next(request, response);
    const query = queryAt === -1 ? undefined : parseQuery(url.slice(queryAt + 1));
    const siteKey = query?.site_key;
    const version = query?.version;
    // Repeated parameters are for the route's schema to refuse.
    if (Array.isArray(siteKey) || Array.isArray(version) || Array.isArray(query?.list)) return next(request, response);
    feeds.cache.lookup(key, (representation) => {
      try {
        if (!representation) return next(request, response);
        feeds.countPoll(representation, siteKey, version);
        respond(request, response, representation, 'hit');
      } catch (error) {
        // Called back from the listener's round trip: nothing above must escape.
        log.error({ err: error, url }, 'Could not answer a feed request.');
        response.destroy();
      }
    });
  };
}

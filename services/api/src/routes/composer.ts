import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  composerAdvisories,
  composerCacheKey,
  composerPackage,
  composerRoot,
  composerSearch,
  parseP2Name,
  recordComposerInstalls,
  COMPOSER_JSON,
  type Registry,
} from '@packhouse/registry';
import type { FastifyReply } from 'fastify';
import { represent, type CacheState, type FeedRepresentation } from '../update-status/representation.ts';
import { respond } from '../update-status/respond.ts';
import type { UpdateStatus } from '../update-status/service.ts';
import { errors } from '../schemas.ts';

const json = (description: string) => ({
  description,
  content: { 'application/json': { schema: Type.Object({}, { additionalProperties: true }) } },
});
const P2Responses = {
  200: json('Composer v2 metadata of one package, minified (`"minified": "composer/2.0"`).'),
  304: Type.Null({ description: 'Not modified since the ETag or date the client has; no body.' }),
  404: json('No such package: Composer takes it as "not in this repository".'),
};

/**
 * The Composer v2 repository the stock `composer` client reads: the root `packages.json`
 * and one p2 file per package and stability, served from the feed cache (fresh after every
 * committed change in any process, see update-status/cache.ts), with Last-Modified / If-Modified-
 * Since, strong ETags and gzip.
 */
export const composerRoutes: FastifyPluginAsyncTypebox<{ registry: Registry; updateStatus: UpdateStatus }> = async (
  app,
  { registry, updateStatus },
) => {
  // The update feeds' cache: one freshness mechanism for every document built from releases.
  const { cache } = updateStatus;
  const root = await represent({
    status: 200,
    projectId: null,
    xml: JSON.stringify(composerRoot(registry)),
    lastModified: null,
    readAt: null,
    contentType: COMPOSER_JSON,
    cacheControl: 'public, max-age=300',
  });
  const missing = await represent({
    status: 404,
    projectId: null,
    xml: JSON.stringify({ error: { code: 'not_found', message: 'No such package in this repository.' } }),
    lastModified: null,
    readAt: null,
    contentType: COMPOSER_JSON,
  });

  app.get(
    '/composer/packages.json',
    {
      logLevel: 'warn',
      schema: {
        summary: "The Composer repository's root: metadata URL, package patterns, advisories API, notify-batch.",
        tags: ['composer'],
        response: { 200: json('packages.json'), 304: P2Responses[304] },
      },
    },
    async (request, reply) => send(reply, root, 'hit'),
  );

  app.get(
    '/composer/p2/drupal/:file',
    {
      logLevel: 'warn',
      schema: {
        summary:
          "A package's Composer metadata: `{name}.json` (tagged releases, and its security advisories) or " +
          '`{name}~dev.json` (dev branches).',
        tags: ['composer'],
        params: Type.Object({ file: Type.String({ maxLength: 80 }) }),
        response: P2Responses,
      },
    },
    async (request, reply) => {
      const { file } = request.params;
      const parsed = parseP2Name(file);
      // Names that cannot exist are answered without a lookup, and never fill the cache.
      if (!parsed) return send(reply, missing, 'bypass');
      const { representation, state } = await cache.get(composerCacheKey(file), null, () =>
        composerPackage(registry, parsed.name, parsed.dev),
      );
      return send(reply, representation, state);
    },
  );

  app.get(
    '/composer/search.json',
    {
      schema: {
        summary:
          "`composer search`: projects found by the pages' full-text search, in Packagist's answer shape " +
          '(`{results: [{name, description, url, repository, downloads, abandoned?}], total, next?}`).',
        tags: ['composer'],
        querystring: Type.Object({
          q: Type.String({ maxLength: 200, default: '', description: 'Words, "phrases", -exclusions.' }),
          type: Type.String({
            maxLength: 50,
            default: '',
            description: 'A Composer package type (`drupal-module`, `drupal-theme`, ...); empty for all.',
          }),
          // Query values are strings (no coercion): pages 1 to 999, 1 to 100 a page (Packagist's default 15).
          page: Type.String({ pattern: '^[1-9][0-9]{0,2}$', default: '1' }),
          per_page: Type.String({ pattern: '^([1-9][0-9]?|100)$', default: '15' }),
        }),
        response: {
          200: Type.Object({
            results: Type.Array(
              Type.Object({
                name: Type.String(),
                description: Type.String(),
                url: Type.String(),
                repository: Type.String(),
                downloads: Type.Integer(),
                abandoned: Type.Optional(Type.Literal(true)),
              }),
            ),
            total: Type.Integer(),
            next: Type.Optional(Type.String()),
          }),
          ...errors(400),
        },
      },
    },
    async (request) => {
      const { q, type, page, per_page: perPage } = request.query;
      return composerSearch(registry, { query: q, type, page: Number(page), perPage: Number(perPage) });
    },
  );

  // Composer posts its form-encoded package list; only these routes parse such bodies.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 256 * 1024 },
    (_request, body, done) => done(null, new URLSearchParams(body as string)),
  );
  const AdvisoriesAnswer = Type.Object(
    { advisories: Type.Record(Type.String(), Type.Array(Type.Object({}, { additionalProperties: true }))) },
    {
      description: "Packagist's shape: every asked package that exists, with its published advisories (possibly none).",
    },
  );
  const advisoriesSchema = (method: string) => ({
    summary: `Composer's security-advisories API (${method} \`packages[]\`), as \`composer audit\` calls it.`,
    tags: ['composer'],
    response: { 200: AdvisoriesAnswer },
  });
  app.get('/composer/api/security-advisories', { schema: advisoriesSchema('GET') }, async (request) =>
    composerAdvisories(registry, packageNames(new URLSearchParams(request.url.split('?')[1] ?? ''))),
  );
  app.post(
    '/composer/api/security-advisories',
    { schema: { ...advisoriesSchema('POST'), body: Type.Unknown() } },
    async (request) =>
      composerAdvisories(registry, request.body instanceof URLSearchParams ? packageNames(request.body) : []),
  );

  app.post(
    '/composer/downloads',
    {
      logLevel: 'warn',
      schema: {
        summary: 'notify-batch: Composer reports the packages it installed; counted per package and version.',
        tags: ['composer'],
        body: Type.Object({
          downloads: Type.Array(
            Type.Object({ name: Type.String({ maxLength: 255 }), version: Type.String({ maxLength: 255 }) }),
            { maxItems: 1000 },
          ),
        }),
        response: { 200: Type.Object({ status: Type.Literal('success'), counted: Type.Integer() }) },
      },
    },
    async (request) => ({
      status: 'success' as const,
      counted: await recordComposerInstalls(registry, request.body.downloads),
    }),
  );
};

/**
 * `packages[]` from Composer's form body (`http_build_query`: `packages[0]=drupal/a`) or
 * from the query string (`?packages[]=drupal/a`), as Packagist's API takes them.
 */
function packageNames(form: URLSearchParams): string[] {
  const names: string[] = [];
  for (const [key, value] of form) if (/^packages(\[\d*\])?$/.test(key)) names.push(value);
  return names.slice(0, 1000);
}

function send(reply: FastifyReply, representation: FeedRepresentation, state: CacheState) {
  reply.hijack();
  respond(reply.request.raw, reply.raw, representation, state);
  return reply;
}

import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { findDownload, type Registry } from '@packhouse/registry';
import { etagMatches } from '../conditional.ts';
import { errors } from '../schemas.ts';

/** Archives are immutable: a strong ETag (their sha256) and a year of caching. */
export const fileRoutes: FastifyPluginAsyncTypebox<{ registry: Registry }> = async (app, { registry }) => {
  app.route({
    method: ['GET', 'HEAD'],
    url: '/files/projects/:file',
    schema: {
      summary: 'Download a release archive.',
      tags: ['downloads'],
      params: Type.Object({
        file: Type.String({ pattern: '^[A-Za-z0-9_.+-]+\\.(tar\\.gz|zip|cdx\\.json)$', maxLength: 255 }),
      }),
      response: {
        200: Type.Any({ description: 'The archive bytes.' }),
        302: Type.Null({ description: "A dev release's stable name: the newest build's immutable file." }),
        304: Type.Null(),
        ...errors(400, 404),
      },
    },
    handler: async (request, reply) => {
      const download = await findDownload(registry, request.params.file);
      if (download.kind === 'latest') {
        // The stable dev name moves with every build: caches must ask again each time.
        return reply.header('cache-control', 'no-cache').redirect(download.location, 302);
      }
      const { file } = download;
      const etag = `"${file.sha256}"`;
      reply
        .header('etag', etag)
        .header('cache-control', download.cacheControl)
        .header('last-modified', file.createdAt.toUTCString())
        .header('content-type', download.contentType)
        .header('content-disposition', `attachment; filename="${file.name}"`)
        .header('digest', `sha-256=${Buffer.from(file.sha256, 'hex').toString('base64')}`);
      const ifNoneMatch = request.headers['if-none-match'];
      if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, [etag])) return reply.code(304).send(null);
      reply.header('content-length', String(file.size));
      // HEAD answers with the real length; fastify keeps a set content-length for HEAD.
      if (request.method === 'HEAD') return reply.send();
      const object = await download.open();
      return reply.send(object.body);
    },
  });
};

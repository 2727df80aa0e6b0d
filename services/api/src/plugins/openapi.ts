import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ErrorBody, ProjectBody, ReleaseBody } from '../schemas.ts';

/** The OpenAPI document, generated from the routes' own schemas, served at /docs/json. */
export default fp(
  async (app: FastifyInstance, { publicUrl }: { publicUrl: string }) => {
    app.addSchema(ErrorBody);
    app.addSchema(ReleaseBody);
    app.addSchema(ProjectBody);
    await app.register(swagger, {
      openapi: {
        info: { title: 'Packhouse', version: '1.0.0', description: 'Packaging service for Drupal projects.' },
        servers: [{ url: publicUrl }],
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      },
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (json.$id as string) ?? `def-${i}` },
    });
    app.get('/docs/json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'openapi' },
);

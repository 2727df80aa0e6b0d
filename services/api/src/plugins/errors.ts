import { DomainError } from '@packhouse/registry';
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** One envelope for every error; 5xx messages are logged, never sent. */
export default fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError | DomainError, request, reply) => {
      if (error instanceof DomainError) {
        return reply.code(error.status).send({ error: { code: error.code, message: error.message } });
      }
      if (error.validation) {
        return reply.code(400).send({ error: { code: 'bad_request', message: error.message } });
      }
      const status = error.statusCode ?? 500;
      if (status < 500) {
        return reply.code(status).send({ error: { code: error.code ?? 'bad_request', message: error.message } });
      }
      request.log.error({ err: error }, 'Request failed.');
      return reply.code(status).send({ error: { code: 'internal', message: 'Internal server error.' } });
    });
    app.setNotFoundHandler((request, reply) =>
      reply.code(404).send({ error: { code: 'not_found', message: `No route for ${request.method} ${request.url}.` } }),
    );
  },
  { name: 'errors' },
);

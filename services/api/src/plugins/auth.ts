import { authenticate, type Actor, type Registry } from '@packhouse/registry';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { DomainError } from '@packhouse/registry';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, for routes that require one; 401 otherwise. */
    actor(): Promise<Actor>;
  }
}

export default fp(
  async (app: FastifyInstance, { registry }: { registry: Registry }) => {
    app.decorateRequest('actor', async function actor(this: FastifyRequest) {
      const match = /^Bearer\s+(\S+)$/i.exec(this.headers.authorization ?? '');
      const found = match?.[1] ? await authenticate(registry.db, match[1]) : undefined;
      if (!found) throw new DomainError('unauthorized', 401, 'A valid bearer token is required.');
      return found;
    });
  },
  { name: 'auth' },
);

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Registry } from '@packhouse/registry';
import { createServer } from 'node:http';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { Clock } from './update-status/representation.ts';
import { startUpdateStatus } from './update-status/service.ts';
import { FrontDoor } from './update-status/front-door.ts';
import auth from './plugins/auth.ts';
import errors from './plugins/errors.ts';
import openapi from './plugins/openapi.ts';
import { distributionRoutes } from './routes/distributions.ts';
import { advisoryRoutes } from './routes/advisories.ts';
import { composerRoutes } from './routes/composer.ts';
import requestMetrics from './plugins/request-metrics.ts';
import rateLimits from './plugins/rate-limits.ts';
import { adminRoutes } from './routes/admin.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { atomRoutes } from './routes/atom.ts';
import { changeRoutes } from './routes/changes.ts';
import { updateStatusRoutes } from './routes/update-status.ts';
import { fileRoutes } from './routes/files.ts';
import { healthRoutes } from './routes/health.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { hookRoutes } from './routes/hooks.ts';
import { projectRoutes } from './routes/projects.ts';
import { releaseRoutes } from './routes/releases.ts';
import { supportRoutes } from './routes/support.ts';
import { usageRoutes } from './routes/usage.ts';
import { userRoutes } from './routes/users.ts';
import { offeringRoutes } from './routes/offerings.ts';
import { PageCache } from './web/cache.ts';
import { webRoutes } from './web/routes.ts';

// Fastify's own default, which it does not apply to a server from serverFactory: longer
// than the idle timeouts of load balancers (60 s), so an idle connection is closed by the
// client's side first, never while a request is on its way to it. Node's 5 s default
// lost such requests (the client's `other side closed`).
const KEEP_ALIVE_MS = 72_000;

export interface AppOptions {
  /** The feed cache's clock (`Date.now`); tests pass time in instead of waiting for it. */
  now?: Clock;
}

/**
 * The HTTP application, loaded in one fixed order: cross-cutting plugins, then routes.
 * Routes validate by schema, call one domain service, and map its result. In front of
 * Node's HTTP server, feed cache hits are answered straight off the socket
 * (update-status/front-door.ts).
 */
export async function buildApp(registry: Registry, { now }: AppOptions = {}) {
  const updateStatus = await startUpdateStatus(registry, now);
  let door: FrontDoor | undefined;
  const app = Fastify({
    serverFactory: (router) => {
      const server = createServer(router);
      server.keepAliveTimeout = KEEP_ALIVE_MS;
      if (registry.config.http.feedFrontDoor) door = new FrontDoor(server, updateStatus, registry.log, now);
      return server;
    },
    loggerInstance: registry.log as FastifyBaseLogger,
    trustProxy: registry.config.http.trustProxy,
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('preClose', (done) => {
    door?.close();
    done();
  });
  app.addHook('onClose', () => updateStatus.close());

  await app.register(errors);
  await app.register(requestMetrics, { registry });
  await app.register(openapi, { publicUrl: registry.config.publicUrl });
  await app.register(rateLimits, { registry });
  await app.register(auth, { registry });

  const resources = [healthRoutes, metricsRoutes, userRoutes, projectRoutes, releaseRoutes, hookRoutes, fileRoutes];
  for (const routes of [
    ...resources,
    supportRoutes,
    usageRoutes,
    advisoryRoutes,
    changeRoutes,
    atomRoutes,
    distributionRoutes,
    tokenRoutes,
    adminRoutes,
  ]) {
    await app.register(routes, { registry });
  }
  await app.register(updateStatusRoutes, { registry, updateStatus });
  // Pages for people, beside the API routes (web/): their own error pages and form parser.
  const pages = new PageCache(registry);
  await pages.start();
  app.addHook('onClose', () => pages.close());
  await app.register(offeringRoutes, { registry });
  await app.register(webRoutes(registry, pages));
  await app.register(composerRoutes, { registry, updateStatus });
  return app;
}

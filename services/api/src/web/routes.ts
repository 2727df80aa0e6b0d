import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  canMaintain,
  DomainError,
  homePage,
  offeringVisits,
  projectPage,
  releasePage,
  releasesPage,
  searchPage,
  visitOffering,
  type Registry,
  type SessionActor,
} from '@packhouse/registry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SCRIPT, SCRIPT_ETAG, SCRIPT_PATH, STYLE, STYLE_ETAG, STYLE_PATH } from './assets.ts';
import type { PageCache } from './cache.ts';
import { MachineName } from '../schemas.ts';
import { formRoutes } from './forms/index.ts';
import { html } from './html.ts';
import { layout, type PageShell } from './layout.ts';
import { releaseManageForm } from './pages/maintain.ts';
import { homeBody, projectBody, releasesBody, releasesPath, searchBody } from './pages/public.ts';
import { releaseBody } from './pages/release.ts';
import { matches, pageOf, sendPage } from './respond.ts';
import { hasSessionCookie, viewerOf } from './session.ts';

const Version = Type.String({ minLength: 1, maxLength: 128 });
const PageNumber = Type.String({ pattern: '^[1-9][0-9]{0,3}$' });
// Pages answer text/html (200, 304, or an error page); only their inputs are schemas.
function page<Extra extends object>(summary: string, extra?: Extra) {
  return { summary, tags: ['pages'], produces: ['text/html'], ...(extra as Extra) };
}

/** One page's shell fields, given the request's viewer. */
type Render = (viewer: SessionActor | null) => Promise<Omit<PageShell, 'viewer'>>;

/**
 * The pages for people, beside the API routes on the same fastify app: server-rendered
 * HTML, usable without JavaScript. Anonymous views come from the page cache; a session
 * cookie gets a fresh, private render (it may hold maintainer-only parts).
 */
export function webRoutes(registry: Registry, cache: PageCache): FastifyPluginAsyncTypebox {
  const canonical = (path: string) => `${registry.config.publicUrl}${path}`;

  async function serve(
    request: FastifyRequest,
    reply: FastifyReply,
    key: string,
    project: string | null,
    render: Render,
  ): Promise<FastifyReply> {
    if (hasSessionCookie(request)) {
      const viewer = await viewerOf(registry, request);
      if (viewer)
        return sendPage(request, reply, pageOf(layout({ ...(await render(viewer)), viewer })), { personal: true });
    }
    const fresh = await cache.synced();
    const hit = fresh ? cache.get(key) : undefined;
    if (hit) {
      if (cache.claimRefresh(hit))
        void renderAnonymous(key, project, render)
          .catch((error: Error) => request.log.warn({ err: error, key }, 'Page refresh failed.'))
          .finally(() => (hit.refreshing = false));
      return sendPage(request, reply, hit, { personal: false });
    }
    return sendPage(request, reply, await renderAnonymous(key, fresh ? project : undefined, render), {
      personal: false,
    });
  }

  /** Renders the anonymous view and keeps it, unless `project` is undefined (freshness unknown). */
  async function renderAnonymous(key: string, project: string | null | undefined, render: Render) {
    const generation = cache.generationNow;
    const rendered = pageOf(layout({ ...(await render(null)), viewer: null }));
    if (project !== undefined) cache.set(key, project, rendered, generation);
    return rendered;
  }

  return async (app) => {
    app.setErrorHandler(async (error: Error & { statusCode?: number; validation?: unknown }, request, reply) => {
      const status = error instanceof DomainError ? error.status : error.validation ? 400 : (error.statusCode ?? 500);
      if (status >= 500) request.log.error({ err: error }, 'Page failed.');
      const message = status >= 500 ? 'Something went wrong on our side; try again in a moment.' : error.message;
      const viewer = await viewerOf(registry, request).catch(() => null);
      const body = layout({
        title: status === 404 ? 'Not found' : 'Error',
        canonical: canonical(request.url.split('?')[0]!),
        viewer,
        body: html`<h1>${status === 404 ? 'Not found' : 'That did not work'}</h1><p role="alert">${message}</p><p><a href="/">Home</a></p>`,
      });
      return sendPage(request, reply, pageOf(body), { personal: true, status });
    });

    app.get(STYLE_PATH, { schema: { hide: true } }, async (request, reply) =>
      asset(request, reply, STYLE, STYLE_ETAG, 'text/css; charset=utf-8'),
    );
    app.get(SCRIPT_PATH, { schema: { hide: true } }, async (request, reply) =>
      asset(request, reply, SCRIPT, SCRIPT_ETAG, 'text/javascript; charset=utf-8'),
    );

    app.get('/', { schema: page('Home: search, newest releases, most-used projects.') }, (request, reply) =>
      serve(request, reply, '/', null, async () => ({
        title: 'Drupal projects',
        canonical: canonical('/'),
        description: 'Drupal projects packaged from their git tags into reproducible, checksummed archives.',
        feeds: [{ title: 'New releases', href: '/feeds/releases.atom' }],
        body: homeBody(await homePage(registry)),
      })),
    );

    app.get(
      '/search',
      {
        schema: page('Project search over name, title and description, ranked, 20 a page.', {
          querystring: Type.Object({
            q: Type.Optional(Type.String({ maxLength: 200 })),
            page: Type.Optional(PageNumber),
          }),
        }),
      },
      (request, reply) => {
        const q = request.query.q ?? '';
        const pageNumber = Number(request.query.page ?? 1);
        const key = `/search?q=${encodeURIComponent(q)}&page=${pageNumber}`;
        return serve(request, reply, key, null, async () => ({
          title: q ? `Search: ${q}` : 'Search',
          canonical: canonical(`/search?q=${encodeURIComponent(q)}${pageNumber > 1 ? `&page=${pageNumber}` : ''}`),
          body: searchBody(await searchPage(registry, q, pageNumber)),
        }));
      },
    );

    app.get(
      '/project/:name',
      {
        schema: page('A project: downloads per supported branch, README, maintainers, usage, offerings.', {
          params: Type.Object({ name: MachineName }),
        }),
      },
      (request, reply) => {
        const { name } = request.params;
        return serve(request, reply, `/project/${name}`, name, async (viewer) => {
          const data = await projectPage(registry, name);
          const maintains = viewer !== null && (viewer.isAdmin || data.maintainers.includes(viewer.name));
          const visits = maintains ? await visitTotals(registry, viewer, name) : undefined;
          return {
            title: data.project.title,
            canonical: canonical(`/project/${name}`),
            description: data.project.description || `${data.project.title}, a Drupal ${data.project.type}.`,
            feeds: [{ title: `${data.project.title} releases`, href: `/project/${name}/releases.atom` }],
            body: html`${maintains ? html`<p><a class="button" href="/project/${name}/manage">Manage this project</a></p>` : ''}${projectBody(data, visits)}`,
          };
        });
      },
    );

    app.get(
      '/project/:name/releases',
      {
        schema: page('Every release of a project, newest first, optionally of one branch.', {
          params: Type.Object({ name: MachineName }),
          querystring: Type.Object({
            branch: Type.Optional(Type.String({ maxLength: 64 })),
            page: Type.Optional(PageNumber),
          }),
        }),
      },
      (request, reply) => {
        const { name } = request.params;
        const branch = request.query.branch || undefined;
        const pageNumber = Number(request.query.page ?? 1);
        const path = releasesPath(name, branch, pageNumber);
        return serve(request, reply, path, name, async () => {
          const data = await releasesPage(registry, name, branch, pageNumber);
          return {
            title: `Releases of ${data.project.title}`,
            canonical: canonical(path),
            feeds: [{ title: `${data.project.title} releases`, href: `/project/${name}/releases.atom` }],
            body: releasesBody(data, branch),
          };
        });
      },
    );

    app.get(
      '/project/:name/releases/:version',
      {
        schema: page('A release: files with sizes and checksums, commit, notes, dev build history.', {
          params: Type.Object({ name: MachineName, version: Version }),
        }),
      },
      (request, reply) => {
        const { name, version } = request.params;
        return serve(request, reply, `/project/${name}/releases/${version}`, name, async (viewer) => {
          const data = await releasePage(registry, name, version);
          const maintainer = viewer !== null && (await canMaintain(registry, viewer, name)) ? viewer : null;
          return {
            title: `${data.project.title} ${version}`,
            canonical: canonical(`/project/${name}/releases/${encodeURIComponent(version)}`),
            description: data.notes?.message?.split('\n', 1)[0],
            feeds: [{ title: `${data.project.title} releases`, href: `/project/${name}/releases.atom` }],
            body: html`${releaseBody(data, maintainer)}${maintainer ? releaseManageForm(name, data, maintainer) : ''}`,
          };
        });
      },
    );

    app.get(
      '/go/:offeringId',
      {
        schema: {
          summary:
            'Counts a visit to an offering (per week; nothing about the visitor is kept, no cookie is set) ' +
            'and redirects to it.',
          tags: ['offerings'],
          params: Type.Object({ offeringId: Type.String({ maxLength: 20 }) }),
        },
      },
      async (request, reply) => {
        const url = await visitOffering(registry, request.params.offeringId);
        return reply
          .code(302)
          .header('cache-control', 'no-store')
          .header('referrer-policy', 'no-referrer')
          .redirect(url, 302);
      },
    );

    await app.register(formRoutes(registry));
  };
}

async function visitTotals(registry: Registry, viewer: SessionActor, name: string): Promise<Map<string, number>> {
  const totals = await offeringVisits(registry, viewer, name);
  return new Map(totals.map((entry) => [entry.offeringId, entry.total]));
}

function asset(request: FastifyRequest, reply: FastifyReply, body: Buffer, etag: string, type: string) {
  reply.header('cache-control', 'public, max-age=31536000, immutable').header('etag', etag).type(type);
  if (matches(request.headers['if-none-match'], etag)) return reply.code(304).send();
  return reply.send(body);
}

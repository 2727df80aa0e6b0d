import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { TProperties, TSchema } from 'typebox';
import {
  addMaintainer,
  createOffering,
  createProject,
  deleteOffering,
  getProjectSupport,
  issueSignInLink,
  listOfferings,
  offeringVisits,
  projectPage,
  releasesPage,
  removeMaintainer,
  requestRelease,
  retryRelease,
  rotateWebhookSecret,
  setSupportedBranches,
  signInWithLink,
  signInWithToken,
  signOut,
  signOutEverywhere,
  updateOffering,
  updateReleaseSupport,
  DomainError,
  type OfferingInput,
  type ReleaseType,
  type Registry,
  type SessionActor,
} from '@packhouse/registry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MachineName, UserName } from '../schemas.ts';
import { html, type Html } from './html.ts';
import { csrfField, layout } from './layout.ts';
import { flashFor, manageBody, secretBody } from './pages/maintain.ts';
import { pageOf, sendPage } from './respond.ts';
import {
  clearSessionCookie,
  requireFormViewer,
  requireSignInCsrf,
  sessionToken,
  setSessionCookie,
  signInCsrf,
  viewerOf,
} from './session.ts';

const Csrf = Type.String({ maxLength: 64 });
const Many = Type.Union([Type.String(), Type.Array(Type.String())]);
function form<Body extends TProperties>(summary: string, body: Body) {
  return {
    summary,
    tags: ['pages'],
    consumes: ['application/x-www-form-urlencoded'],
    body: Type.Object({ _csrf: Type.Optional(Csrf), ...body }),
  };
}
function formOn<Params extends TSchema, Body extends TProperties>(summary: string, body: Body, params: Params) {
  return { ...form(summary, body), params };
}
const ProjectParams = Type.Object({ name: MachineName });
const OfferingFields = {
  provider: Type.String({ maxLength: 120 }),
  kind: Type.Union([
    Type.Literal('support'),
    Type.Literal('hosting'),
    Type.Literal('training'),
    Type.Literal('administration'),
    Type.Literal('other'),
  ]),
  title: Type.String({ maxLength: 120 }),
  url: Type.String({ maxLength: 2048 }),
  description: Type.Optional(Type.String({ maxLength: 1000 })),
};

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * Maintainers in the browser: sign-in and the forms for what the API does. Every form
 * carries a CSRF token and calls the same domain service as its API route, so the rules
 * and messages are the API's. Successful posts redirect (303) to a page that says so.
 */
export function formRoutes(registry: Registry): FastifyPluginAsyncTypebox {
  const canonical = (path: string) => `${registry.config.publicUrl}${path}`;
  const personal = (
    request: FastifyRequest,
    reply: FastifyReply,
    title: string,
    path: string,
    viewer: SessionActor | null,
    body: Html,
    flash?: { kind: 'ok' | 'error'; message: string },
  ) =>
    sendPage(request, reply, pageOf(layout({ title, canonical: canonical(path), viewer, body, flash })), {
      personal: true,
    });
  const signedIn = async (request: FastifyRequest): Promise<SessionActor> => {
    const viewer = await viewerOf(registry, request);
    if (!viewer)
      throw new DomainError('unauthorized', 401, 'Sign in first: your session has ended or you are not signed in.');
    return viewer;
  };

  return async (app) => {
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 64 * 1024 },
      (_request, body, done) => {
        const fields: Record<string, string | string[]> = {};
        for (const [key, value] of new URLSearchParams(body as string)) {
          const existing = fields[key];
          fields[key] = existing === undefined ? value : [...list(existing), value];
        }
        done(null, fields);
      },
    );

    app.get(
      '/sign-in',
      { schema: { summary: 'Sign in with an API token.', tags: ['pages'] } },
      async (request, reply) => {
        const token = signInCsrf(registry, request, reply);
        return personal(
          request,
          reply,
          'Sign in',
          '/sign-in',
          await viewerOf(registry, request),
          html`<h1>Sign in</h1>
<form method="post" action="/sign-in" class="stack"><input type="hidden" name="_csrf" value="${token}">
<label for="token">API token</label><input id="token" type="password" name="token" required autocomplete="current-password">
<button type="submit" class="primary">Sign in</button></form>
<p class="muted">An administrator can also give you a short-lived sign-in link.</p>`,
        );
      },
    );

    app.post(
      '/sign-in',
      { schema: form('Starts a browser session from an API token.', { token: Type.String({ maxLength: 200 }) }) },
      async (request, reply) => {
        requireSignInCsrf(request);
        const session = await signInWithToken(registry, request.body.token);
        setSessionCookie(registry, reply, session);
        return reply.code(303).redirect('/account', 303);
      },
    );

    app.get(
      '/sign-in/link/:token',
      {
        schema: {
          summary: 'Confirms a sign-in link (a GET never uses it up).',
          tags: ['pages'],
          params: Type.Object({ token: Type.String({ maxLength: 100 }) }),
        },
      },
      async (request, reply) => {
        const csrf = signInCsrf(registry, request, reply);
        return personal(
          request,
          reply,
          'Sign in',
          '/sign-in',
          null,
          html`<h1>Sign in</h1>
<form method="post" action="/sign-in/link/${request.params.token}" class="stack"><input type="hidden" name="_csrf" value="${csrf}">
<p>This link signs you in once, in this browser.</p><button type="submit" class="primary">Sign in</button></form>`,
        );
      },
    );

    app.post(
      '/sign-in/link/:token',
      { schema: formOn('Uses a sign-in link once.', {}, Type.Object({ token: Type.String({ maxLength: 100 }) })) },
      async (request, reply) => {
        requireSignInCsrf(request);
        const session = await signInWithLink(registry, request.params.token);
        setSessionCookie(registry, reply, session);
        return reply.code(303).redirect('/account', 303);
      },
    );

    app.post('/sign-out', { schema: form('Ends this session.', {}) }, async (request, reply) => {
      await requireFormViewer(registry, request);
      await signOut(registry, sessionToken(request)!);
      clearSessionCookie(registry, reply);
      return reply.code(303).redirect('/', 303);
    });

    app.post(
      '/sign-out/everywhere',
      { schema: form('Ends every session of the user, in every browser.', {}) },
      async (request, reply) => {
        const viewer = await requireFormViewer(registry, request);
        await signOutEverywhere(registry, viewer);
        clearSessionCookie(registry, reply);
        return reply.code(303).redirect('/', 303);
      },
    );

    app.get(
      '/account',
      { schema: { summary: 'The signed-in user: create a project, sign out everywhere.', tags: ['pages'] } },
      async (request, reply) => {
        const viewer = await signedIn(request);
        return personal(
          request,
          reply,
          'Your account',
          '/account',
          viewer,
          html`<h1>Signed in as ${viewer.name}</h1>
<p><a class="button primary" href="/projects/new">Create a project</a></p>
<form method="post" action="/sign-out/everywhere">${csrfField(viewer)}<button type="submit" class="danger">Sign out everywhere</button></form>
${
  viewer.isAdmin
    ? html`<h2>Sign-in link</h2><form method="post" action="/account/sign-in-links" class="stack">${csrfField(viewer)}
<label for="link-user">User name</label><input id="link-user" type="text" name="user" required><button type="submit">Issue a sign-in link</button></form>`
    : ''
}`,
        );
      },
    );

    app.post(
      '/account/sign-in-links',
      { schema: form('Issues a short-lived sign-in link (administrators).', { user: UserName }) },
      async (request, reply) => {
        const viewer = await requireFormViewer(registry, request);
        const link = await issueSignInLink(registry, viewer, request.body.user);
        return personal(
          request,
          reply,
          'Sign-in link',
          '/account',
          viewer,
          html`<h1>Sign-in link for ${request.body.user}</h1>
<p>Valid once, until <time datetime="${link.expiresAt}">${link.expiresAt}</time>; shown only now.</p><p><code class="secret">${link.url}</code></p>`,
        );
      },
    );

    app.get(
      '/projects/new',
      { schema: { summary: 'The form to create a project.', tags: ['pages'] } },
      async (request, reply) => {
        const viewer = await signedIn(request);
        return personal(
          request,
          reply,
          'Create a project',
          '/projects/new',
          viewer,
          html`<h1>Create a project</h1>
<form method="post" action="/projects/new" class="stack">${csrfField(viewer)}
<label for="name">Machine name</label><input id="name" type="text" name="name" required pattern="[a-z][a-z0-9_]{1,63}">
<label for="title">Title</label><input id="title" type="text" name="title" required maxlength="255">
<label for="type">Type</label><select id="type" name="type"><option>module</option><option>theme</option><option>distribution</option><option>core</option></select>
<label for="gitUrl">Git URL</label><input id="gitUrl" type="text" name="gitUrl" required>
<button type="submit" class="primary">Create project</button></form>`,
        );
      },
    );

    app.post(
      '/projects/new',
      {
        schema: form('Creates a project; the webhook secret is shown once.', {
          name: MachineName,
          title: Type.String({ minLength: 1, maxLength: 255 }),
          type: Type.Union([
            Type.Literal('module'),
            Type.Literal('theme'),
            Type.Literal('distribution'),
            Type.Literal('core'),
          ]),
          gitUrl: Type.String({ minLength: 1, maxLength: 2048 }),
        }),
      },
      async (request, reply) => {
        const viewer = await requireFormViewer(registry, request);
        const { name, title, type, gitUrl } = request.body;
        const created = await createProject(registry, viewer, { name, title, type, gitUrl });
        return personal(
          request,
          reply,
          `Created ${name}`,
          `/project/${name}/manage`,
          viewer,
          html`<h1>${created.title} is created</h1>${secretBody(name, created.webhookSecret)}`,
        );
      },
    );

    app.get(
      '/project/:name/manage',
      {
        schema: {
          summary: 'The maintainer forms of a project.',
          tags: ['pages'],
          params: ProjectParams,
          querystring: Type.Object({ done: Type.Optional(Type.String({ maxLength: 40 })) }),
        },
      },
      async (request, reply) => {
        const viewer = await signedIn(request);
        const { name } = request.params;
        const visits = await offeringVisits(registry, viewer, name); // maintainers only: refuses everyone else first
        const [data, releases, offerings] = await Promise.all([
          projectPage(registry, name),
          releasesPage(registry, name),
          listOfferings(registry, name),
        ]);
        const support = await getProjectSupport(registry, name);
        return personal(
          request,
          reply,
          `Manage ${data.project.title}`,
          `/project/${name}/manage`,
          viewer,
          manageBody(
            {
              name,
              title: data.project.title,
              maintainers: data.maintainers,
              supportedBranches: support.supportedBranches,
              failed: releases.releases.filter((release) => release.buildStatus === 'failed'),
              offerings,
              visits: new Map(visits.map((entry) => [entry.offeringId, entry])),
            },
            viewer,
          ),
          flashFor(request.query.done),
        );
      },
    );

    const done = (reply: FastifyReply, name: string, what: string) =>
      reply.code(303).redirect(`/project/${name}/manage?done=${what}`, 303);

    app.post(
      '/project/:name/releases',
      {
        schema: formOn(
          'Releases a tag.',
          { tag: Type.String({ minLength: 1, maxLength: 128 }), releaseTypes: Type.Optional(Many) },
          ProjectParams,
        ),
      },
      async (request, reply) => {
        const viewer = await requireFormViewer(registry, request);
        const release = await requestRelease(registry, viewer, request.params.name, {
          tag: request.body.tag.trim(),
          releaseTypes: list(request.body.releaseTypes) as ReleaseType[],
        });
        return reply
          .code(303)
          .redirect(`/project/${request.params.name}/releases/${encodeURIComponent(release.version)}`, 303);
      },
    );

    const VersionParams = Type.Object({ name: MachineName, version: Type.String({ maxLength: 128 }) });
    app.post(
      '/project/:name/releases/:version/retry',
      { schema: formOn('Retries a failed release.', {}, VersionParams) },
      async (request, reply) => {
        const viewer = await requireFormViewer(registry, request);
        const { name, version } = request.params;
        await retryRelease(registry, viewer, name, version);
        return reply.code(303).redirect(`/project/${name}/releases/${encodeURIComponent(version)}`, 303);
      },
    );

    app.post(
      '/project/:name/releases/:version/support',
      {
        schema: formOn(
          "Sets a release's types, insecure flag and feed status.",
          {
            releaseTypes: Type.Optional(Many),
            insecure: Type.Optional(Type.String()),
            status: Type.Optional(Type.Union([Type.Literal('published'), Type.Literal('unpublished')])),
          },
          VersionParams,
        ),
      },
      async (request, reply) => {
        const viewer = await requireFormViewer(registry, request);
        const { name, version } = request.params;
        await updateReleaseSupport(registry, viewer, name, version, {
          releaseTypes: list(request.body.releaseTypes) as ReleaseType[],
          insecure: request.body.insecure === '1',
          status: request.body.status,
        });
        return reply.code(303).redirect(`/project/${name}/releases/${encodeURIComponent(version)}`, 303);
      },
    );

    app.post(
      '/project/:name/supported-branches',
      { schema: formOn('Sets the supported branches.', { branches: Type.String({ maxLength: 1000 }) }, ProjectParams) },
      async (request, reply) => {
        const viewer = await requireFormViewer(registry, request);
        await setSupportedBranches(
          registry,
          viewer,
          request.params.name,
          request.body.branches.split(/[\s,]+/).filter(Boolean),
        );
        return done(reply, request.params.name, 'branches');
      },
    );

    app.post(
      '/project/:name/webhook-secret',
      { schema: formOn('Rotates the webhook secret; the new one is shown once.', {}, ProjectParams) },
      async (request, reply) => {
        const viewer = await requireFormViewer(registry, request);
        const { webhookSecret } = await rotateWebhookSecret(registry, viewer, request.params.name);
        return personal(
          request,
          reply,
          'New webhook secret',
          `/project/${request.params.name}/manage`,
          viewer,
          secretBody(request.params.name, webhookSecret),
        );
      },
    );

    app.post(
      '/project/:name/maintainers',
      { schema: formOn('Adds a maintainer.', { user: Type.String({ maxLength: 64 }) }, ProjectParams) },
      async (request, reply) => {
        const viewer = await requireFormViewer(registry, request);
        await addMaintainer(registry, viewer, request.params.name, request.body.user.trim());
        return done(reply, request.params.name, 'maintainer_added');
      },
    );

    app.post(
      '/project/:name/maintainers/:user/remove',
      { schema: formOn('Removes a maintainer.', {}, Type.Object({ name: MachineName, user: UserName })) },
      async (request, reply) => {
        const viewer = await requireFormViewer(registry, request);
        await removeMaintainer(registry, viewer, request.params.name, request.params.user);
        return done(reply, request.params.name, 'maintainer_removed');
      },
    );

    const OfferingParams = Type.Object({ name: MachineName, id: Type.String({ pattern: '^[0-9]{1,18}$' }) });
    app.post(
      '/project/:name/offerings',
      { schema: formOn('Adds an offering.', OfferingFields, ProjectParams) },
      async (request, reply) => {
        const viewer = await requireFormViewer(registry, request);
        const { _csrf, ...input } = request.body;
        await createOffering(registry, viewer, request.params.name, input as OfferingInput);
        return done(reply, request.params.name, 'offering_added');
      },
    );

    app.post(
      '/project/:name/offerings/:id',
      { schema: formOn('Changes an offering.', OfferingFields, OfferingParams) },
      async (request, reply) => {
        const viewer = await requireFormViewer(registry, request);
        const { _csrf, ...input } = request.body;
        await updateOffering(registry, viewer, request.params.name, request.params.id, input as OfferingInput);
        return done(reply, request.params.name, 'offering_saved');
      },
    );

    app.post(
      '/project/:name/offerings/:id/delete',
      { schema: formOn('Removes an offering.', {}, OfferingParams) },
      async (request, reply) => {
        const viewer = await requireFormViewer(registry, request);
        await deleteOffering(registry, viewer, request.params.name, request.params.id);
        return done(reply, request.params.name, 'offering_removed');
      },
    );
  };
}

import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  addMaintainer,
  createProject,
  getProjectSupport,
  listOfferings,
  offeringVisits,
  projectPage,
  releasesPage,
  removeMaintainer,
  rotateWebhookSecret,
  setSupportedBranches,
  type Registry,
} from '@packhouse/registry';
import { MachineName, UserName } from '../../schemas.ts';
import { flashFor, manageBody, newProjectBody, secretBody } from '../pages/maintain.ts';
import { requireFormViewer } from '../session.ts';
import { done, form, formOn, personalPage, ProjectParams, signedIn } from './common.ts';

/** Creating a project, and its manage page: supported branches, webhook secret, maintainers. */
export function projectForms(registry: Registry): FastifyPluginAsyncTypebox {
  const personal = personalPage(registry);
  return async (app) => {
    app.get(
      '/projects/new',
      { schema: { summary: 'The form to create a project.', tags: ['pages'] } },
      async (request, reply) => {
        const viewer = await signedIn(registry, request);
        return personal(request, reply, {
          title: 'Create a project',
          path: '/projects/new',
          viewer,
          body: newProjectBody(viewer),
        });
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
        return personal(request, reply, {
          title: `Created ${name}`,
          path: `/project/${name}/manage`,
          viewer,
          body: secretBody(name, created.webhookSecret, `${created.title} is created`),
        });
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
        const viewer = await signedIn(registry, request);
        const { name } = request.params;
        const visits = await offeringVisits(registry, viewer, name); // maintainers only: refuses everyone else first
        const [data, releases, offerings, support] = await Promise.all([
          projectPage(registry, name),
          releasesPage(registry, name),
          listOfferings(registry, name),
          getProjectSupport(registry, name),
        ]);
        return personal(request, reply, {
          title: `Manage ${data.project.title}`,
          path: `/project/${name}/manage`,
          viewer,
          flash: flashFor(request.query.done),
          body: manageBody(
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
        });
      },
    );

    app.post(
      '/project/:name/supported-branches',
      { schema: formOn('Sets the supported branches.', { branches: Type.String({ maxLength: 1000 }) }, ProjectParams) },
      async (request, reply) => {
        const viewer = await requireFormViewer(registry, request);
        const branches = request.body.branches.split(/[\s,]+/).filter(Boolean);
        await setSupportedBranches(registry, viewer, request.params.name, branches);
        return done(reply, request.params.name, 'branches');
      },
    );

    app.post(
      '/project/:name/webhook-secret',
      { schema: formOn('Rotates the webhook secret; the new one is shown once.', {}, ProjectParams) },
      async (request, reply) => {
        const viewer = await requireFormViewer(registry, request);
        const { name } = request.params;
        const { webhookSecret } = await rotateWebhookSecret(registry, viewer, name);
        return personal(request, reply, {
          title: 'New webhook secret',
          path: `/project/${name}/manage`,
          viewer,
          body: secretBody(name, webhookSecret),
        });
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
  };
}

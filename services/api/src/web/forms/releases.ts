import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  requestRelease,
  retryDistribution,
  retryRelease,
  updateReleaseSupport,
  type Registry,
  type ReleaseType,
} from '@packhouse/registry';
import { requireFormViewer } from '../session.ts';
import { formOn, list, Many, ProjectParams, seeOther, VersionParams } from './common.ts';

const releasePath = (name: string, version: string) => `/project/${name}/releases/${encodeURIComponent(version)}`;

/** Releasing a tag, retrying a failed release (or a distribution's whole-site build), its types and status. */
export function releaseForms(registry: Registry): FastifyPluginAsyncTypebox {
  return async (app) => {
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
        const { name } = request.params;
        const release = await requestRelease(registry, viewer, name, {
          tag: request.body.tag.trim(),
          releaseTypes: list(request.body.releaseTypes) as ReleaseType[],
        });
        return seeOther(reply, releasePath(name, release.version));
      },
    );

    app.post(
      '/project/:name/releases/:version/retry',
      { schema: formOn('Retries a failed release.', {}, VersionParams) },
      async (request, reply) => {
        const viewer = await requireFormViewer(registry, request);
        const { name, version } = request.params;
        await retryRelease(registry, viewer, name, version);
        return seeOther(reply, releasePath(name, version));
      },
    );

    app.post(
      '/project/:name/releases/:version/distribution/retry',
      { schema: formOn("Retries a distribution release's failed whole-site build.", {}, VersionParams) },
      async (request, reply) => {
        const viewer = await requireFormViewer(registry, request);
        const { name, version } = request.params;
        await retryDistribution(registry, viewer, name, version);
        return seeOther(reply, releasePath(name, version));
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
        return seeOther(reply, releasePath(name, version));
      },
    );
  };
}

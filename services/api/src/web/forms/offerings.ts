import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createOffering, deleteOffering, updateOffering, type OfferingInput, type Registry } from '@packhouse/registry';
import { MachineName } from '../../schemas.ts';
import { requireFormViewer } from '../session.ts';
import { done, formOn, ProjectParams } from './common.ts';

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
const OfferingParams = Type.Object({ name: MachineName, id: Type.String({ pattern: '^[0-9]{1,18}$' }) });

/** A project's commercial offerings, as on its manage page (the API has the same under /offerings). */
export function offeringForms(registry: Registry): FastifyPluginAsyncTypebox {
  return async (app) => {
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

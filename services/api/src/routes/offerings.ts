import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  createOffering,
  deleteOffering,
  getOffering,
  issueSignInLink,
  listOfferings,
  offeringVisits,
  updateOffering,
  type Registry,
} from '@packhouse/registry';
import { bearer, errors, MachineName, UserName } from '../schemas.ts';

const Kind = Type.Union([
  Type.Literal('support'),
  Type.Literal('hosting'),
  Type.Literal('training'),
  Type.Literal('administration'),
  Type.Literal('other'),
]);
const Fields = {
  provider: Type.String({ minLength: 1, maxLength: 120, description: 'The organisation offering it.' }),
  kind: Kind,
  title: Type.String({ minLength: 1, maxLength: 120 }),
  url: Type.String({
    minLength: 1,
    maxLength: 2048,
    description: 'An http(s) link; the project page links it through /go/{id}.',
  }),
  description: Type.String({ maxLength: 1000 }),
};
const Offering = Type.Object({
  id: Type.String(),
  project: Type.String(),
  ...Fields,
  link: Type.String({ description: 'Counts a visit, then redirects to url.' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
const Params = Type.Object({ name: MachineName });
const OneParams = Type.Object({ name: MachineName, id: Type.String({ pattern: '^[0-9]{1,18}$' }) });
const Visits = Type.Array(
  Type.Object({
    offeringId: Type.String(),
    total: Type.Integer(),
    weeks: Type.Array(Type.Object({ week: Type.String(), visits: Type.Integer() })),
  }),
);

/** Commercial offerings of the organisations behind a project, and browser sign-in links. */
export const offeringRoutes: FastifyPluginAsyncTypebox<{ registry: Registry }> = async (app, { registry }) => {
  app.get(
    '/api/v1/projects/:name/offerings',
    {
      schema: {
        summary: "A project's offerings.",
        tags: ['offerings'],
        params: Params,
        response: { 200: Type.Array(Offering), ...errors(400, 404) },
      },
    },
    async (request) => listOfferings(registry, request.params.name),
  );

  app.post(
    '/api/v1/projects/:name/offerings',
    {
      schema: {
        summary: 'Add an offering (maintainers only).',
        tags: ['offerings'],
        security: bearer,
        params: Params,
        body: Type.Object(
          { ...Fields, description: Type.Optional(Fields.description) },
          { additionalProperties: false },
        ),
        response: { 201: Offering, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await createOffering(registry, await request.actor(), request.params.name, request.body as never)),
  );

  app.get(
    '/api/v1/projects/:name/offerings/:id',
    {
      schema: {
        summary: 'One offering.',
        tags: ['offerings'],
        params: OneParams,
        response: { 200: Offering, ...errors(400, 404) },
      },
    },
    async (request) => getOffering(registry, request.params.name, request.params.id),
  );

  app.patch(
    '/api/v1/projects/:name/offerings/:id',
    {
      schema: {
        summary: 'Change an offering (maintainers only).',
        tags: ['offerings'],
        security: bearer,
        params: OneParams,
        body: Type.Object(
          {
            provider: Type.Optional(Fields.provider),
            kind: Type.Optional(Kind),
            title: Type.Optional(Fields.title),
            url: Type.Optional(Fields.url),
            description: Type.Optional(Fields.description),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Offering, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) =>
      updateOffering(registry, await request.actor(), request.params.name, request.params.id, request.body as never),
  );

  app.delete(
    '/api/v1/projects/:name/offerings/:id',
    {
      schema: {
        summary: 'Remove an offering (maintainers only).',
        tags: ['offerings'],
        security: bearer,
        params: OneParams,
        response: { 204: Type.Null(), ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await deleteOffering(registry, await request.actor(), request.params.name, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/projects/:name/offerings-visits',
    {
      schema: {
        summary: 'Visits through the project page per offering and ISO week, last 12 weeks (maintainers only).',
        tags: ['offerings'],
        security: bearer,
        params: Params,
        response: { 200: Visits, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => offeringVisits(registry, await request.actor(), request.params.name),
  );

  app.post(
    '/api/v1/users/:user/sign-in-links',
    {
      schema: {
        summary: 'Issue a short-lived, single-use browser sign-in link for a user (administrators only).',
        tags: ['users'],
        security: bearer,
        params: Type.Object({ user: UserName }),
        response: {
          201: Type.Object({ url: Type.String(), expiresAt: Type.String({ format: 'date-time' }) }),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await issueSignInLink(registry, await request.actor(), request.params.user)),
  );
};

import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  getAdvisory,
  listAdvisories,
  osvAdvisory,
  osvArchive,
  publishAdvisory,
  updateAdvisory,
  type Registry,
} from '@packhouse/registry';
import { bearer, errors, MachineName } from '../schemas.ts';

const Severity = Type.Union([
  Type.Literal('critical'),
  Type.Literal('high'),
  Type.Literal('medium'),
  Type.Literal('low'),
]);
const AdvisoryStatus = Type.Union([Type.Literal('published'), Type.Literal('withdrawn')], {
  description: 'Withdrawing is a status: advisories are never deleted.',
});
const AdvisoryId = Type.String({ pattern: '^PH-SA-[0-9]{4}-[0-9]{4,}$', description: 'e.g. `PH-SA-2026-0001`.' });

const fields = {
  title: Type.String({ minLength: 1, maxLength: 255 }),
  severity: Severity,
  affectedVersions: Type.String({
    minLength: 1,
    maxLength: 1000,
    description:
      "A Composer constraint over the package's Composer versions (`<1.3.2`, `>=2.0.0 <2.1.4 || <1.9.5`); " +
      'Drupal 8 legacy versions may be written as they are (`<8.x-1.3`).',
  }),
  cve: Type.Union([Type.String({ pattern: '^CVE-[0-9]{4}-[0-9]{4,}$' }), Type.Null()]),
  link: Type.Union([Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 }), Type.Null()]),
  description: Type.String({ minLength: 1, maxLength: 20_000 }),
};

const Advisory = Type.Object({
  id: Type.String(),
  project: Type.String(),
  package: Type.String({ description: 'The Composer package: `drupal/{project}`, `drupal/core` for core.' }),
  title: Type.String(),
  severity: Type.String(),
  affectedVersionsInput: Type.String(),
  affectedVersions: Type.String({ description: 'As Composer reads it.' }),
  affectedReleases: Type.Array(Type.String(), {
    description:
      'Composer versions of the published releases its constraint matches, releases published after it included ' +
      '(Insecure in the update feed).',
  }),
  cve: Type.Union([Type.String(), Type.Null()]),
  link: Type.Union([Type.String(), Type.Null()]),
  description: Type.String(),
  status: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  withdrawnAt: Type.Union([Type.String(), Type.Null()]),
});
const ProjectParams = Type.Object({ name: MachineName });
const AdvisoryParams = Type.Object({ name: MachineName, id: AdvisoryId });

/** Security advisories: maintainers (and administrators) publish; everyone reads, as JSON or OSV. */
export const advisoryRoutes: FastifyPluginAsyncTypebox<{ registry: Registry }> = async (app, { registry }) => {
  app.post(
    '/api/v1/projects/:name/advisories',
    {
      schema: {
        summary:
          'Publish a security advisory (maintainers and administrators): the update feed, Composer and OSV ' +
          'show it at once.',
        tags: ['advisories'],
        security: bearer,
        params: ProjectParams,
        body: Type.Object(
          {
            title: fields.title,
            severity: fields.severity,
            affectedVersions: fields.affectedVersions,
            cve: Type.Optional(fields.cve),
            link: Type.Optional(fields.link),
            description: fields.description,
          },
          { additionalProperties: false },
        ),
        response: { 201: Advisory, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await publishAdvisory(registry, await request.actor(), request.params.name, request.body)),
  );

  app.get(
    '/api/v1/projects/:name/advisories',
    {
      schema: {
        summary: "A project's advisories, withdrawn ones included.",
        tags: ['advisories'],
        params: ProjectParams,
        response: { 200: Type.Array(Advisory), ...errors(400, 404) },
      },
    },
    async (request) => listAdvisories(registry, request.params.name),
  );

  app.get(
    '/api/v1/projects/:name/advisories/:id',
    {
      schema: {
        summary: 'One advisory.',
        tags: ['advisories'],
        params: AdvisoryParams,
        response: { 200: Advisory, ...errors(400, 404) },
      },
    },
    async (request) => getAdvisory(registry, request.params.name, request.params.id),
  );

  app.patch(
    '/api/v1/projects/:name/advisories/:id',
    {
      schema: {
        summary: 'Change an advisory, or withdraw it (`status: withdrawn`); maintainers and administrators.',
        tags: ['advisories'],
        security: bearer,
        params: AdvisoryParams,
        body: Type.Object(
          {
            title: Type.Optional(fields.title),
            severity: Type.Optional(fields.severity),
            affectedVersions: Type.Optional(fields.affectedVersions),
            cve: Type.Optional(fields.cve),
            link: Type.Optional(fields.link),
            description: Type.Optional(fields.description),
            status: Type.Optional(AdvisoryStatus),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Advisory, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) =>
      updateAdvisory(registry, await request.actor(), request.params.name, request.params.id, request.body),
  );

  app.get(
    '/api/v1/advisories/osv/:file',
    {
      schema: {
        summary:
          'OSV 1.6 export: `{id}.json` for one advisory, `all.zip` for every one (withdrawn ones marked `withdrawn`).',
        tags: ['advisories'],
        params: Type.Object({ file: Type.String({ pattern: '^(all\\.zip|PH-SA-[0-9]{4}-[0-9]{4,}\\.json)$' }) }),
        response: {
          200: {
            description: 'An OSV record (`application/json`) or a zip of them (`application/zip`).',
            content: {
              'application/json': { schema: Type.Object({}, { additionalProperties: true }) },
              'application/zip': { schema: Type.String({ format: 'binary' }) },
            },
          },
          ...errors(400, 404),
        },
      },
    },
    async (request, reply) => {
      const { file } = request.params;
      if (file === 'all.zip') {
        return reply
          .type('application/zip')
          .header('content-disposition', 'attachment; filename="all.zip"')
          .send(await osvArchive(registry));
      }
      return reply.type('application/json').send(await osvAdvisory(registry, file.slice(0, -'.json'.length)));
    },
  );
};

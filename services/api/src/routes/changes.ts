import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listKeys, readChanges, readSnapshot, type Registry } from '@packhouse/registry';
import { errors } from '../schemas.ts';

const Signature = Type.Object(
  {
    keyid: Type.String(),
    sig: Type.String({ description: 'Ed25519 over the canonical JSON of the statement, base64.' }),
  },
  { $id: 'Signature' },
);
const EventFile = Type.Object({
  name: Type.String(),
  url: Type.String({ format: 'uri' }),
  size: Type.Integer(),
  sha256: Type.String(),
});
const Detail = Type.Object({}, { additionalProperties: true });

const ChangeEvent = Type.Object({
  type: Type.Union([
    Type.Literal('release.published'),
    Type.Literal('release.updated'),
    Type.Literal('release.unpublished'),
    Type.Literal('project.updated'),
    Type.Literal('project.deleted'),
  ]),
  project: Type.String(),
  version: Type.Union([Type.String(), Type.Null()]),
  revision: Type.Integer({
    description: 'Counts up with each change of the release (or project): apply an event only if newer.',
  }),
  at: Type.String({ format: 'date-time' }),
  publishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'Release events: as the signed statement holds it.',
  }),
  files: Type.Array(EventFile),
  detail: Detail,
  signature: Type.Union([Type.Ref('Signature'), Type.Null()], {
    description: "Over the release's statement; null for project events.",
  }),
});

const Head = Type.Object({
  epoch: Type.String(),
  since: Type.Union([Type.String(), Type.Null()]),
  next: Type.String(),
  hasMore: Type.Boolean(),
  eventsSha256: Type.String(),
  expires: Type.String({ format: 'date-time' }),
  signature: Type.Ref('Signature'),
});

const SnapshotRelease = Type.Object({
  version: Type.String(),
  revision: Type.Integer(),
  status: Type.String(),
  insecure: Type.Boolean(),
  releaseTypes: Type.Array(Type.String()),
  publishedAt: Type.Union([Type.String(), Type.Null()]),
  files: Type.Array(EventFile),
  signature: Type.Ref('Signature'),
});

const SnapshotBody = Type.Object({
  epoch: Type.String(),
  cursor: Type.String(),
  at: Type.String({ format: 'date-time' }),
  expires: Type.String({ format: 'date-time' }),
  projectsSha256: Type.String(),
  projects: Type.Array(
    Type.Object({
      name: Type.String(),
      title: Type.String(),
      type: Type.String(),
      status: Type.String(),
      revision: Type.Integer(),
      releases: Type.Array(SnapshotRelease),
    }),
  ),
  signature: Type.Ref('Signature'),
});

const Key = Type.Object({
  keyid: Type.String(),
  algorithm: Type.Literal('ed25519'),
  publicKey: Type.String({ description: 'The raw 32-byte public key, base64.' }),
  validFrom: Type.String({ format: 'date-time' }),
  validUntil: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'Set once rotated out; its earlier signatures stay valid.',
  }),
});

/** The change feed, the snapshot to resynchronize from, and the keys that sign them (for mirrors). */
export const changeRoutes: FastifyPluginAsyncTypebox<{ registry: Registry }> = async (app, { registry }) => {
  app.addSchema(Signature);

  app.get(
    '/api/v1/changes',
    {
      schema: {
        summary: 'Changes after a cursor, oldest first; `next` is the cursor for the following page.',
        description:
          'Without `since`: from the beginning. A cursor means "everything up to here is final": a change ' +
          'committed later always comes after it. ' +
          'A cursor older than the retained history, or from before a restore, answers 410: resynchronize ' +
          'from /api/v1/snapshot.',
        tags: ['mirrors'],
        querystring: Type.Object(
          {
            since: Type.Optional(Type.String({ maxLength: 200 })),
            // Query values are strings (no coercion): 1 to 10,000, default 1,000.
            limit: Type.Optional(Type.String({ pattern: '^([1-9][0-9]{0,3}|10000)$' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            events: Type.Array(ChangeEvent),
            next: Type.String(),
            hasMore: Type.Boolean(),
            head: Head,
          }),
          ...errors(400, 410),
        },
      },
    },
    async (request, reply) => {
      const page = await readChanges(registry, {
        since: request.query.since,
        limit: Number(request.query.limit ?? 1000),
      });
      // Sent as written, bytes fastify does not serialize again (the schema documents their shape):
      // a second pass over the events would double the page's cost.
      return reply
        .header('cache-control', 'no-store')
        .type('application/json; charset=utf-8')
        .send(page.body as never);
    },
  );

  app.get(
    '/api/v1/snapshot',
    {
      schema: {
        summary:
          'Every project and its published releases at one consistent point, signed, with the cursor to ' +
          'continue the change feed from.',
        tags: ['mirrors'],
        response: { 200: SnapshotBody },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return readSnapshot(registry);
    },
  );

  app.get(
    '/api/v1/keys',
    {
      schema: {
        summary: 'The public keys that sign release statements, change feed pages and snapshots, newest first.',
        tags: ['mirrors'],
        response: { 200: Type.Object({ keys: Type.Array(Key) }) },
      },
    },
    async () => ({ keys: await listKeys(registry) }),
  );
};

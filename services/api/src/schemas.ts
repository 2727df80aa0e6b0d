import { Type } from '@fastify/type-provider-typebox';
import { MACHINE_NAME } from '@packhouse/registry';

/** Shared TypeBox schemas: they validate requests and document the API in OpenAPI. */
export const ErrorBody = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String() }) },
  { $id: 'Error', description: 'Every error: a stable code and a message.' },
);

export const MachineName = Type.String({ pattern: MACHINE_NAME.source, description: 'A Drupal machine name.' });
export const UserName = Type.String({ pattern: '^[a-z][a-z0-9_.-]{1,63}$' });
export const ProjectType = Type.Union([
  Type.Literal('core'),
  Type.Literal('module'),
  Type.Literal('theme'),
  Type.Literal('distribution'),
]);
export const ReleaseType = Type.Union([Type.Literal('security'), Type.Literal('bugfix'), Type.Literal('feature')]);

export const FileBody = Type.Object({
  name: Type.String(),
  archiveType: Type.Union([Type.Literal('tar.gz'), Type.Literal('zip'), Type.Literal('cdx.json')]),
  variant: Type.Union(
    [Type.Literal('profile-only'), Type.Literal('projects'), Type.Literal('full'), Type.Literal('sbom'), Type.Null()],
    {
      description:
        'Distribution releases: profile-only, projects (-no-core), full (-core, an installable site), sbom ' +
        '(CycloneDX).',
    },
  ),
  url: Type.String({ format: 'uri' }),
  size: Type.Integer(),
  md5: Type.String(),
  sha1: Type.String(),
  sha256: Type.String(),
  sha512: Type.String(),
});

export const DistributionBody = Type.Object(
  {
    status: Type.Union([
      Type.Literal('queued'),
      Type.Literal('building'),
      Type.Literal('published'),
      Type.Literal('failed'),
    ]),
    error: Type.Union([Type.String(), Type.Null()]),
    waitingFor: Type.Array(Type.String(), {
      description: 'Pinned releases still being packaged, which the build waits for (a bounded wait).',
    }),
    componentsInsecure: Type.Array(Type.Object({ project: Type.String(), version: Type.String() }), {
      description: 'Bundled releases marked insecure: the distribution needs a new release.',
    }),
  },
  { description: 'Distribution releases only: the build of the make file into whole-site archives.' },
);

export const ReleaseBody = Type.Object(
  {
    project: Type.String(),
    version: Type.String(),
    tag: Type.String(),
    commit: Type.Union([Type.String(), Type.Null()]),
    status: Type.Union([
      Type.Literal('queued'),
      Type.Literal('building'),
      Type.Literal('published'),
      Type.Literal('failed'),
    ]),
    reason: Type.Optional(
      Type.Literal('awaiting-approval', {
        description:
          'Why a queued release is not packaged yet: its project awaits an administrator (PROJECT_APPROVAL=admin).',
      }),
    ),
    error: Type.Union([Type.String(), Type.Null()], {
      description: "One short rule-named line; git's whole output is for maintainers (`.../failure`).",
    }),
    attempts: Type.Integer({ description: 'Packaging attempts made so far.' }),
    lastError: Type.Union([Type.String(), Type.Null()], {
      description: 'While a transient failure waits for its retry: what failed, in one short line.',
    }),
    nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description:
        "While retrying: when the next attempt starts by the queue's backoff (an outage of Postgres or S3 " +
        'postpones it further).',
    }),
    releaseTypes: Type.Array(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    publishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    kind: Type.Union([Type.Literal('tag'), Type.Literal('dev')]),
    files: Type.Array(FileBody, { description: "For a dev release: its newest build's files." }),
    revision: Type.Integer({ description: "Counts the release's feed-visible changes, as the change feed does." }),
    signature: Type.Union([Type.Object({ keyid: Type.String(), sig: Type.String() }), Type.Null()], {
      description:
        'Ed25519 over the canonical JSON of the release statement (project, version, revision, files, ' +
        'publishedAt); see /api/v1/keys.',
    }),
    builds: Type.Optional(
      Type.Array(
        Type.Object({
          id: Type.String(),
          status: Type.Union([
            Type.Literal('queued'),
            Type.Literal('building'),
            Type.Literal('published'),
            Type.Literal('unchanged'),
            Type.Literal('failed'),
          ]),
          commit: Type.Union([Type.String(), Type.Null()]),
          error: Type.Union([Type.String(), Type.Null()]),
          attempts: Type.Integer({ description: 'Packaging attempts made so far.' }),
          lastError: Type.Union([Type.String(), Type.Null()], {
            description: 'While a transient failure waits for its retry: what failed, in one short line.',
          }),
          nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
            description:
              "While retrying: when the next attempt starts by the queue's backoff (an outage of Postgres or " +
              'S3 postpones it further).',
          }),
          createdAt: Type.String({ format: 'date-time' }),
          publishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
          files: Type.Array(FileBody),
        }),
        { description: 'Dev releases only: every build, newest first.' },
      ),
    ),
    distribution: Type.Optional(DistributionBody),
    notes: Type.Optional(
      Type.Union(
        [
          Type.Object({
            message: Type.Union([Type.String(), Type.Null()], {
              description:
                "The tag's message as plain text (a signature cut off, at most 16,384 characters); null when empty.",
            }),
            taggedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
          }),
          Type.Null(),
        ],
        {
          description:
            "Tagged releases, read one at a time: the release notes, which are the annotated tag's message; " +
            'null for a lightweight tag (its commit message is not used) or a release packaged before notes ' +
            'were kept.',
        },
      ),
    ),
  },
  { $id: 'Release' },
);

/** A failed or retrying attempt's full account, for the project's maintainers. */
export const ReleaseFailureBody = Type.Object({
  error: Type.Union([Type.String(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Union([Type.String(), Type.Null()], { description: "git's output of the failed attempt." }),
  builds: Type.Array(
    Type.Object({
      id: Type.String(),
      error: Type.Union([Type.String(), Type.Null()]),
      lastError: Type.Union([Type.String(), Type.Null()]),
      detail: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});

export const ProjectBody = Type.Object(
  {
    name: Type.String(),
    title: Type.String(),
    type: ProjectType,
    gitUrl: Type.String(),
    status: Type.String(),
    approved: Type.Boolean({
      description:
        'False while an administrator has yet to approve the project (PROJECT_APPROVAL=admin); its releases wait.',
    }),
    createdAt: Type.String({ format: 'date-time' }),
    maintainers: Type.Array(Type.String()),
    owners: Type.Array(Type.String(), {
      description: 'Maintainers with the owner role: they add and remove maintainers.',
    }),
    releases: Type.Array(Type.Ref('Release')),
    usage: Type.Union([Type.Object({ week: Type.String(), sites: Type.Integer() }), Type.Null()], {
      description: 'Sites that reported using the project in the latest ISO week with any report.',
    }),
    webhookSecret: Type.Optional(Type.String({ description: 'Only in the creation response: shown once.' })),
  },
  { $id: 'Project' },
);

export const Maintainers = Type.Object({ maintainers: Type.Array(Type.String()), owners: Type.Array(Type.String()) });

export const TokenScope = Type.Union([Type.Literal('release'), Type.Literal('manage'), Type.Literal('admin')]);
export const TokenBody = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(TokenScope),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'Updated at most once a minute.',
  }),
  createdAt: Type.String({ format: 'date-time' }),
});

/** The error responses a route may give, by status. */
export function errors(...statuses: number[]) {
  return Object.fromEntries(statuses.map((status) => [status, Type.Ref('Error')]));
}

export const bearer = [{ bearer: [] }];

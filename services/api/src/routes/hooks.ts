import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  authenticateDelivery,
  type Authenticator,
  DomainError,
  githubSignature,
  gitlabToken,
  receivePush,
  type PushEvent,
  type Registry,
} from '@packhouse/registry';
import type { FastifyRequest } from 'fastify';
import { limitOf } from '../plugins/rate-limits.ts';
import { errors } from '../schemas.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact bytes received: GitHub signs them, not their parsed form. */
    rawBody?: Buffer;
    /** The project the delivery proved it comes for (authenticated before validation). */
    deliveryProject?: Awaited<ReturnType<typeof authenticateDelivery>>;
  }
}

const ZERO_SHA = /^0{40}$/;
const Urls = Type.Optional(Type.Record(Type.String(), Type.Unknown()));
const HookResponse = Type.Object({
  outcome: Type.String(),
  message: Type.String(),
  project: Type.Optional(Type.String()),
  version: Type.Optional(Type.String()),
});
const responses = { 200: HookResponse, 202: HookResponse, ...errors(400, 401, 415, 429) };

/**
 * Tag and branch pushes from git hosts, authenticated per project; they record and enqueue
 * only. Authentication comes before validation: at preValidation the delivery is matched to
 * a project by the URLs it names and checked against that project's secret, so an
 * unauthenticated delivery gets a 401 whatever its body holds (even one that is not JSON).
 */
export const hookRoutes: FastifyPluginAsyncTypebox<{ registry: Registry }> = async (app, { registry }) => {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: 5 * 1024 * 1024 },
    (request, body, done) => {
      request.rawBody = body as Buffer;
      try {
        done(null, JSON.parse((body as Buffer).toString('utf8')));
      } catch {
        done(null, undefined); // refused by authentication: it names no repository
      }
    },
  );

  const authenticated =
    (signature: (request: FastifyRequest) => Authenticator, urls: (body: Record<string, unknown>) => string[]) =>
    async (request: FastifyRequest) => {
      if (!isObject(request.body)) {
        throw new DomainError(
          'unauthorized',
          401,
          'The delivery body is not a JSON object, so it names no repository to authenticate against.',
        );
      }
      request.deliveryProject = await authenticateDelivery(registry, urls(request.body), signature(request));
    };
  const gitlabUrls = (body: Record<string, unknown>) =>
    urlsOf(objectOf(body.project), ['git_http_url', 'git_ssh_url', 'http_url', 'web_url']).concat(
      urlsOf(objectOf(body.repository), ['git_http_url', 'git_ssh_url', 'url', 'homepage']),
    );
  const githubUrls = (body: Record<string, unknown>) =>
    urlsOf(objectOf(body.repository), ['clone_url', 'git_url', 'ssh_url', 'html_url', 'url']);

  app.post(
    '/api/v1/hooks/gitlab',
    {
      config: { rateLimit: limitOf(registry, 'webhooks') },
      preValidation: authenticated((request) => gitlabToken(header(request, 'x-gitlab-token')), gitlabUrls),
      schema: {
        summary: "GitLab's Tag Push Hook and Push Hook, authenticated by X-Gitlab-Token.",
        tags: ['webhooks'],
        body: Type.Object({
          object_kind: Type.Optional(Type.String()),
          ref: Type.Optional(Type.String({ maxLength: 512 })),
          after: Type.Optional(Type.Union([Type.String(), Type.Null()])),
          project: Urls,
          repository: Urls,
        }),
        response: responses,
      },
    },
    async (request, reply) => {
      const body = request.body;
      const event: PushEvent = {
        repositoryUrls: gitlabUrls(body),
        ref: fullRef(body.ref),
        head: body.after && !ZERO_SHA.test(body.after) ? body.after : null,
        deleted: typeof body.after === 'string' && ZERO_SHA.test(body.after),
      };
      const result = await receivePush(registry, request.deliveryProject!, event);
      return reply.code(queued(result.outcome) ? 202 : 200).send(result);
    },
  );

  app.post(
    '/api/v1/hooks/github',
    {
      config: { rateLimit: limitOf(registry, 'webhooks') },
      preValidation: authenticated(
        (request) => githubSignature(header(request, 'x-hub-signature-256'), request.rawBody ?? Buffer.alloc(0)),
        githubUrls,
      ),
      schema: {
        summary: "GitHub's push and create (tag) events, authenticated by X-Hub-Signature-256.",
        tags: ['webhooks'],
        body: Type.Object({
          ref: Type.Optional(Type.String({ maxLength: 512 })),
          ref_type: Type.Optional(Type.String()),
          after: Type.Optional(Type.String()),
          deleted: Type.Optional(Type.Boolean()),
          repository: Urls,
        }),
        response: responses,
      },
    },
    async (request, reply) => {
      const body = request.body;
      const kind = header(request, 'x-github-event');
      const urls = githubUrls(body);
      let event: PushEvent | 'ping';
      if (kind === 'ping') event = 'ping';
      else if (kind === 'create' || kind === 'delete') {
        const refKind = body.ref_type === 'tag' ? 'tag' : body.ref_type === 'branch' ? 'branch' : null;
        event = {
          repositoryUrls: urls,
          ref: refKind && body.ref ? { kind: refKind, name: body.ref } : null,
          head: null,
          deleted: kind === 'delete',
        };
      } else {
        event = {
          repositoryUrls: urls,
          ref: fullRef(body.ref),
          head: body.after && !ZERO_SHA.test(body.after) ? body.after : null,
          deleted: body.deleted === true,
        };
      }
      const result = await receivePush(registry, request.deliveryProject!, event);
      return reply.code(queued(result.outcome) ? 202 : 200).send(result);
    },
  );
};

function queued(outcome: string): boolean {
  return outcome === 'release_queued' || outcome === 'build_queued';
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectOf(value: unknown): Record<string, unknown> | undefined {
  return isObject(value) ? value : undefined;
}

function urlsOf(object: Record<string, unknown> | undefined, fields: string[]): string[] {
  return fields
    .map((field) => object?.[field])
    .filter((value): value is string => typeof value === 'string' && value !== '');
}

/** `refs/tags/x` / `refs/heads/x` → what was pushed; anything else is not ours to act on. */
function fullRef(ref: string | undefined): PushEvent['ref'] {
  const match = /^refs\/(tags|heads)\/(.+)$/.exec(ref ?? '');
  if (!match) return null;
  return { kind: match[1] === 'tags' ? 'tag' : 'branch', name: match[2]! };
}

import { Type } from '@fastify/type-provider-typebox';
import type { TProperties, TSchema } from 'typebox';
import { DomainError, type Registry, type SessionActor } from '@packhouse/registry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MachineName } from '../../schemas.ts';
import type { Html } from '../html.ts';
import { layout } from '../layout.ts';
import { pageOf, sendPage } from '../respond.ts';
import { viewerOf } from '../session.ts';

/** What every form shares: schemas of urlencoded bodies, and the private page it may answer with. */

const Csrf = Type.String({ maxLength: 64 });
/** A field that a form may send several times (checkboxes). */
export const Many = Type.Union([Type.String(), Type.Array(Type.String())]);
export const ProjectParams = Type.Object({ name: MachineName });
export const VersionParams = Type.Object({ name: MachineName, version: Type.String({ maxLength: 128 }) });

export const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** A form's schema: its fields beside the CSRF token (checked by the handler, see session.ts). */
export function form<Body extends TProperties>(summary: string, body: Body) {
  return {
    summary,
    tags: ['pages'],
    consumes: ['application/x-www-form-urlencoded'],
    body: Type.Object({ _csrf: Type.Optional(Csrf), ...body }),
  };
}

export function formOn<Params extends TSchema, Body extends TProperties>(summary: string, body: Body, params: Params) {
  return { ...form(summary, body), params };
}

/** Sends a page only its viewer may see (never cached by others). */
export function personalPage(registry: Registry) {
  return (
    request: FastifyRequest,
    reply: FastifyReply,
    page: {
      title: string;
      path: string;
      viewer: SessionActor | null;
      body: Html;
      flash?: { kind: 'ok' | 'error'; message: string };
    },
  ) =>
    sendPage(request, reply, pageOf(layout({ ...page, canonical: `${registry.config.publicUrl}${page.path}` })), {
      personal: true,
    });
}

/** The signed-in viewer of a page (a GET: no CSRF token to check). */
export async function signedIn(registry: Registry, request: FastifyRequest): Promise<SessionActor> {
  const viewer = await viewerOf(registry, request);
  if (!viewer)
    throw new DomainError('unauthorized', 401, 'Sign in first: your session has ended or you are not signed in.');
  return viewer;
}

/** After a form: back to where the result shows (303, so a reload does not post again). */
export function seeOther(reply: FastifyReply, path: string): FastifyReply {
  return reply.code(303).redirect(path, 303);
}

/** Back to the manage page, which says what was done (`flashFor` in pages/maintain.ts). */
export function done(reply: FastifyReply, name: string, what: string): FastifyReply {
  return seeOther(reply, `/project/${name}/manage?done=${what}`);
}

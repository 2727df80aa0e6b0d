import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  issueSignInLink,
  signInWithLink,
  signInWithToken,
  signOut,
  signOutEverywhere,
  type Registry,
} from '@packhouse/registry';
import { UserName } from '../../schemas.ts';
import { accountBody, issuedLinkBody, signInBody, signInLinkBody } from '../pages/account.ts';
import {
  clearSessionCookie,
  requireFormViewer,
  requireSignInCsrf,
  sessionToken,
  setSessionCookie,
  signInCsrf,
  viewerOf,
} from '../session.ts';
import { form, formOn, personalPage, seeOther, signedIn } from './common.ts';

const LinkParams = Type.Object({ token: Type.String({ maxLength: 100 }) });

/** Signing in (API token or single-use link), signing out (here or everywhere), and the account page. */
export function signInForms(registry: Registry): FastifyPluginAsyncTypebox {
  const personal = personalPage(registry);
  return async (app) => {
    app.get(
      '/sign-in',
      { schema: { summary: 'Sign in with an API token.', tags: ['pages'] } },
      async (request, reply) =>
        personal(request, reply, {
          title: 'Sign in',
          path: '/sign-in',
          viewer: await viewerOf(registry, request),
          body: signInBody(signInCsrf(registry, request, reply)),
        }),
    );

    app.post(
      '/sign-in',
      { schema: form('Starts a browser session from an API token.', { token: Type.String({ maxLength: 200 }) }) },
      async (request, reply) => {
        requireSignInCsrf(request);
        setSessionCookie(registry, reply, await signInWithToken(registry, request.body.token));
        return seeOther(reply, '/account');
      },
    );

    app.get(
      '/sign-in/link/:token',
      { schema: { summary: 'Confirms a sign-in link (a GET never uses it up).', tags: ['pages'], params: LinkParams } },
      async (request, reply) =>
        personal(request, reply, {
          title: 'Sign in',
          path: '/sign-in',
          viewer: null,
          body: signInLinkBody(request.params.token, signInCsrf(registry, request, reply)),
        }),
    );

    app.post(
      '/sign-in/link/:token',
      { schema: formOn('Uses a sign-in link once.', {}, LinkParams) },
      async (request, reply) => {
        requireSignInCsrf(request);
        setSessionCookie(registry, reply, await signInWithLink(registry, request.params.token));
        return seeOther(reply, '/account');
      },
    );

    app.post('/sign-out', { schema: form('Ends this session.', {}) }, async (request, reply) => {
      await requireFormViewer(registry, request);
      await signOut(registry, sessionToken(request)!);
      clearSessionCookie(registry, reply);
      return seeOther(reply, '/');
    });

    app.post(
      '/sign-out/everywhere',
      { schema: form('Ends every session of the user, in every browser.', {}) },
      async (request, reply) => {
        await signOutEverywhere(registry, await requireFormViewer(registry, request));
        clearSessionCookie(registry, reply);
        return seeOther(reply, '/');
      },
    );

    app.get(
      '/account',
      { schema: { summary: 'The signed-in user: create a project, sign out everywhere.', tags: ['pages'] } },
      async (request, reply) => {
        const viewer = await signedIn(registry, request);
        return personal(request, reply, { title: 'Your account', path: '/account', viewer, body: accountBody(viewer) });
      },
    );

    app.post(
      '/account/sign-in-links',
      { schema: form('Issues a short-lived sign-in link (administrators).', { user: UserName }) },
      async (request, reply) => {
        const viewer = await requireFormViewer(registry, request);
        const link = await issueSignInLink(registry, viewer, request.body.user);
        return personal(request, reply, {
          title: 'Sign-in link',
          path: '/account',
          viewer,
          body: issuedLinkBody(request.body.user, link),
        });
      },
    );
  };
}

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Registry } from '@packhouse/registry';
import { requireFormViewer, requireSignInCsrf } from '../session.ts';
import { list } from './common.ts';
import { offeringForms } from './offerings.ts';
import { projectForms } from './projects.ts';
import { releaseForms } from './releases.ts';
import { signInForms } from './sign-in.ts';

/** The forms posted before any session exists. */
const SIGN_IN_FORMS = new Set(['/sign-in', '/sign-in/link/:token']);

/**
 * Maintainers in the browser: sign-in and the forms for what the API does. Every form
 * carries a CSRF token and calls the same domain service as its API route, so the rules
 * and messages are the API's. Successful posts redirect (303) to a page that says so.
 */
export function formRoutes(registry: Registry): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Forms post urlencoded bodies; a field sent several times (checkboxes) becomes an array.
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 64 * 1024 },
      (_request, body, done) => {
        const fields: Record<string, string | string[]> = {};
        for (const [key, value] of new URLSearchParams(body as string)) {
          const existing = fields[key];
          fields[key] = existing === undefined ? value : [...list(existing), value];
        }
        done(null, fields);
      },
    );
    // Every post is checked before its fields are: without the CSRF token of its session (the
    // sign-in forms: of the sign-in cookie) it is refused, whatever it carries. Handlers read
    // the viewer again from the same request (cached).
    app.addHook('preValidation', async (request) => {
      if (request.method !== 'POST') return;
      if (SIGN_IN_FORMS.has(request.routeOptions.url ?? '')) requireSignInCsrf(request);
      else await requireFormViewer(registry, request);
    });
    await app.register(signInForms(registry));
    await app.register(projectForms(registry));
    await app.register(releaseForms(registry));
    await app.register(offeringForms(registry));
  };
}

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Registry } from '@packhouse/registry';
import { list } from './common.ts';
import { offeringForms } from './offerings.ts';
import { projectForms } from './projects.ts';
import { releaseForms } from './releases.ts';
import { signInForms } from './sign-in.ts';

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
    await app.register(signInForms(registry));
    await app.register(projectForms(registry));
    await app.register(releaseForms(registry));
    await app.register(offeringForms(registry));
  };
}

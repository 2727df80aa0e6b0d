import type { SessionActor } from '@packhouse/registry';
import { html, type Html } from '../html.ts';
import { csrfField } from '../layout.ts';

export function signInBody(csrf: string): Html {
  return html`<h1>Sign in</h1>
<form method="post" action="/sign-in" class="stack"><input type="hidden" name="_csrf" value="${csrf}">
<label for="token">API token</label><input id="token" type="password" name="token" required autocomplete="current-password">
<button type="submit" class="primary">Sign in</button></form>
<p class="muted">An administrator can also give you a short-lived sign-in link.</p>`;
}

/** A sign-in link's page: a GET only shows this button, so link scanners cannot use the link up. */
export function signInLinkBody(token: string, csrf: string): Html {
  return html`<h1>Sign in</h1>
<form method="post" action="/sign-in/link/${token}" class="stack"><input type="hidden" name="_csrf" value="${csrf}">
<p>This link signs you in once, in this browser.</p><button type="submit" class="primary">Sign in</button></form>`;
}

export function accountBody(viewer: SessionActor): Html {
  return html`<h1>Signed in as ${viewer.name}</h1>
<p><a class="button primary" href="/projects/new">Create a project</a></p>
<form method="post" action="/sign-out/everywhere">${csrfField(viewer)}<button type="submit" class="danger">Sign out everywhere</button></form>
${
  viewer.isAdmin
    ? html`<h2>Sign-in link</h2><form method="post" action="/account/sign-in-links" class="stack">${csrfField(viewer)}
<label for="link-user">User name</label><input id="link-user" type="text" name="user" required><button type="submit">Issue a sign-in link</button></form>`
    : ''
}`;
}

export function issuedLinkBody(user: string, link: { url: string; expiresAt: string }): Html {
  return html`<h1>Sign-in link for ${user}</h1>
<p>Valid once, until <time datetime="${link.expiresAt}">${link.expiresAt}</time>; shown only now.</p><p><code class="secret">${link.url}</code></p>`;
}

import { SCRIPT_PATH, STYLE_PATH } from './assets.ts';
import { html, type Html } from './html.ts';

/** Who is looking: anonymous, or a signed-in user with the CSRF token of their session. */
export interface Viewer {
  name: string;
  isAdmin: boolean;
  csrfToken: string;
}

export interface PageShell {
  title: string;
  /** Absolute canonical URL of the page. */
  canonical: string;
  description?: string;
  /** Atom feeds of what the page shows, linked for feed readers. */
  feeds?: { title: string; href: string }[];
  viewer: Viewer | null;
  body: Html;
  flash?: { kind: 'ok' | 'error'; message: string };
}

export function layout(shell: PageShell): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${shell.title} · Packhouse</title>
<link rel="canonical" href="${shell.canonical}">
${shell.description ? html`<meta name="description" content="${shell.description}">` : ''}
${(shell.feeds ?? []).map((feed) => html`<link rel="alternate" type="application/atom+xml" title="${feed.title}" href="${feed.href}">\n`)}
<link rel="stylesheet" href="${STYLE_PATH}">
<script src="${SCRIPT_PATH}" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><div class="bar">
<a class="brand" href="/">Packhouse</a>
<form class="search" role="search" action="/search" method="get">
<label class="sr-only" for="site-search">Search projects</label>
<input id="site-search" type="search" name="q" placeholder="Search projects">
<button type="submit">Search</button>
</form>
<nav aria-label="Account">${
    shell.viewer
      ? html`<a href="/account">${shell.viewer.name}</a>
<form class="inline" method="post" action="/sign-out">${csrfField(shell.viewer)}<button type="submit">Sign out</button></form>`
      : html`<a href="/sign-in">Sign in</a>`
  }</nav>
</div></header>
<main id="main">
${shell.flash ? html`<p class="flash ${shell.flash.kind}" role="${shell.flash.kind === 'error' ? 'alert' : 'status'}">${shell.flash.message}</p>` : ''}
${shell.body}
</main>
<footer class="site"><p>Packhouse packages Drupal projects from their git tags into reproducible, checksummed archives. <a href="/docs/json">API</a></p></footer>
</body>
</html>
`;
}

export function csrfField(viewer: { csrfToken: string }): Html {
  return html`<input type="hidden" name="_csrf" value="${viewer.csrfToken}">`;
}

export function badge(status: string): Html {
  return html`<span class="badge ${status}">${status}</span>`;
}

export function date(iso: string | null): Html {
  if (!iso) return html`<span class="muted">not yet</span>`;
  return html`<time datetime="${iso}">${iso.slice(0, 10)}</time>`;
}

export function bytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

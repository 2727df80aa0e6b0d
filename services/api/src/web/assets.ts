import { createHash } from 'node:crypto';
import { CSS } from './style.ts';

/**
 * The stylesheet, served under a name holding its hash: pages link that name, so it is
 * cached for a year and a new version is a new URL.
 */
export const STYLE = Buffer.from(CSS);
export const STYLE_ETAG = `"${createHash('sha256').update(STYLE).digest('hex')}"`;
export const STYLE_PATH = `/static/style.${STYLE_ETAG.slice(1, 13)}.css`;

/** Copy buttons: the only script, an enhancement; every page works without it. */
export const SCRIPT = Buffer.from(`document.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-copy]');
  if (!button) return;
  navigator.clipboard.writeText(button.dataset.copy).then(() => { button.textContent = 'Copied'; });
});
for (const button of document.querySelectorAll('button[data-copy]')) button.hidden = false;
`);
export const SCRIPT_ETAG = `"${createHash('sha256').update(SCRIPT).digest('hex')}"`;
export const SCRIPT_PATH = `/static/copy.${SCRIPT_ETAG.slice(1, 13)}.js`;

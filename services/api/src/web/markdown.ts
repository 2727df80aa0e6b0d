import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { escapeHtml, trusted, type Html } from './html.ts';

const marked = new Marked({ gfm: true, async: false });
// Tag messages are written as plain lines more often than as Markdown: keep every line break.
const markedLines = new Marked({ gfm: true, breaks: true, async: false });

/**
 * A README as HTML people can read, from Markdown (or plain text), then sanitised: only
 * formatting tags survive, links only to http(s)/mailto and relative URLs, images only
 * from https, no scripts, styles, event handlers or forms. Headings are demoted under the
 * page's own.
 */
export function renderReadme(fileName: string | null, body: string): Html {
  return sanitized(
    fileName && /\.txt$/i.test(fileName) ? `<pre>${escapeHtml(body)}</pre>` : (marked.parse(body) as string),
  );
}

/** A tag's message as release notes: Markdown with every line break kept, sanitised as a README is. */
export function renderNotes(message: string): Html {
  return sanitized(markedLines.parse(message) as string);
}

function sanitized(markup: string): Html {
  return trusted(
    sanitizeHtml(markup, {
      allowedTags: [
        'h3',
        'h4',
        'h5',
        'h6',
        'p',
        'a',
        'ul',
        'ol',
        'li',
        'blockquote',
        'pre',
        'code',
        'em',
        'strong',
        'del',
        'hr',
        'br',
        'table',
        'thead',
        'tbody',
        'tr',
        'th',
        'td',
        'img',
        'dl',
        'dt',
        'dd',
        'kbd',
        'sup',
        'sub',
        'details',
        'summary',
      ],
      allowedAttributes: {
        a: ['href', 'title', 'rel'],
        img: ['src', 'alt', 'title', 'width', 'height'],
        th: ['align'],
        td: ['align'],
        code: ['class'],
      },
      allowedSchemes: ['http', 'https', 'mailto'],
      allowedSchemesByTag: { img: ['https'] },
      allowProtocolRelative: false,
      transformTags: {
        h1: 'h3',
        h2: 'h4',
        h3: 'h5',
        h4: 'h6',
        h5: 'h6',
        a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow ugc noopener' }),
      },
      allowedClasses: { code: [/^language-[\w-]+$/] },
    }),
  );
}

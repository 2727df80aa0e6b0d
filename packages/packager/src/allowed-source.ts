/**
 * One GIT_ALLOWED_SOURCES entry, parsed: a URL must match its scheme, its host (port
 * included) and its path prefix, compared as parsed parts rather than as a string prefix
 * (`https://gitlab.example.org` must not admit `https://gitlab.example.org.evil.tld/`).
 * `https://` alone admits every host; a path prefix matches whole segments unless it ends
 * with `/`.
 */
export interface AllowedSource {
  protocol: 'https:' | 'file:';
  /** Lower-case host[:port] as the URL parser writes it; null: any host. */
  host: string | null;
  pathPrefix: string;
}

const SOURCE = /^(https|file):\/\/([^/?#]*)([^?#]*)$/;

export function parseAllowedSource(prefix: string): AllowedSource | null {
  const match = SOURCE.exec(prefix);
  if (!match) return null;
  const protocol = `${match[1]}:` as AllowedSource['protocol'];
  const rawHost = match[2]!;
  const pathPrefix = match[3] || '/';
  if (rawHost === '') return { protocol, host: null, pathPrefix };
  try {
    return { protocol, host: new URL(`${protocol}//${rawHost}/`).host, pathPrefix };
  } catch {
    return null;
  }
}

/** Whether a parsed git URL is under one of the allowed sources. */
export function isUnderAllowedSource(url: URL, allowedSources: readonly string[]): boolean {
  return allowedSources.some((prefix) => {
    const source = parseAllowedSource(prefix);
    if (source === null || source.protocol !== url.protocol) return false;
    if (source.host !== null && source.host !== url.host) return false;
    const path = url.pathname;
    if (source.pathPrefix.endsWith('/')) return path.startsWith(source.pathPrefix);
    return path === source.pathPrefix || path.startsWith(`${source.pathPrefix}/`);
  });
}

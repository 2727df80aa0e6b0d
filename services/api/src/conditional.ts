import type { FeedRepresentation } from './feeds/representation.ts';

// Clients send a handful of distinct Accept-Encoding values: parse each once.
const parsed = new Map<string, boolean>();

/** Whether the client may take gzip: `gzip` (or `*`) listed with a non-zero q. */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let accepts = parsed.get(header);
  if (accepts === undefined) {
    accepts = parseAcceptsGzip(header);
    if (parsed.size >= 256) parsed.clear();
    parsed.set(header, accepts);
  }
  return accepts;
}

function parseAcceptsGzip(header: string): boolean {
  let gzip: number | undefined;
  let any: number | undefined;
  for (const part of header.toLowerCase().split(',')) {
    const [coding = '', ...params] = part.split(';').map((piece) => piece.trim());
    const q = params.find((param) => param.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    if (coding === 'gzip' || coding === 'x-gzip') gzip = weight;
    else if (coding === '*') any = weight;
  }
  const weight = gzip ?? any ?? 0;
  return Number.isFinite(weight) && weight > 0;
}

/** The request's conditional headers. */
export interface Preconditions {
  ifNoneMatch?: string;
  ifModifiedSince?: string;
}

/**
 * RFC 9110 section 13.2.2: If-None-Match wins over If-Modified-Since. Either encoding's ETag
 * validates, since both are of the same document (W/ is ignored: weak comparison).
 */
export function notModified({ ifNoneMatch, ifModifiedSince }: Preconditions, representation: FeedRepresentation): boolean {
  if (ifNoneMatch !== undefined) return etagMatches(ifNoneMatch, [representation.etag, representation.gzipEtag]);
  if (ifModifiedSince === undefined || representation.lastModifiedMs === null) return false;
  const since = Date.parse(ifModifiedSince);
  return !Number.isNaN(since) && representation.lastModifiedMs <= since;
}

/** If-None-Match against the current ETags: `*`, or any listed tag (W/ ignored: weak comparison). */
export function etagMatches(ifNoneMatch: string, etags: readonly string[]): boolean {
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((candidate) => etags.includes(candidate.trim().replace(/^W\//, '')));
}

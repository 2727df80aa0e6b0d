import type { FeedRepresentation } from './update-status/representation.ts';

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
 * RFC 9110 section 13.2.2: If-None-Match wins over If-Modified-Since. The ETag compared is
 * that of the encoding this response would carry (`gzip`): a copy in the other encoding is
 * another representation, which a 304 for this one cannot refresh. W/ is ignored (weak
 * comparison). An If-Modified-Since that is no HTTP-date is ignored (section 13.1.3).
 */
export function notModified(
  { ifNoneMatch, ifModifiedSince }: Preconditions,
  representation: FeedRepresentation,
  gzip: boolean,
): boolean {
  if (ifNoneMatch !== undefined)
    return etagMatches(ifNoneMatch, [gzip ? representation.gzipEtag : representation.etag]);
  if (ifModifiedSince === undefined || representation.lastModifiedMs === null) return false;
  const since = parseHttpDate(ifModifiedSince);
  return since !== null && representation.lastModifiedMs <= since;
}

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '\\d{2}:\\d{2}:\\d{2}';
// RFC 9110 section 5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms.
const IMF_FIXDATE = new RegExp(`^${DAY}, \\d{2} ${MONTH} \\d{4} ${TIME} GMT$`);
const RFC_850 = new RegExp(
  `^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \\d{2}-${MONTH}-\\d{2} ${TIME} GMT$`,
);
const ASCTIME = new RegExp(`^${DAY} ${MONTH} [ \\d]\\d ${TIME} \\d{4}$`);

/** An HTTP-date in ms, or null for anything else. asctime has no zone: it is GMT. */
export function parseHttpDate(value: string): number | null {
  let ms = Number.NaN;
  if (IMF_FIXDATE.test(value) || RFC_850.test(value)) ms = Date.parse(value);
  else if (ASCTIME.test(value)) ms = Date.parse(`${value} GMT`);
  return Number.isNaN(ms) ? null : ms;
}

/** If-None-Match against the current ETags: `*`, or any listed tag (W/ ignored: weak comparison). */
export function etagMatches(ifNoneMatch: string, etags: readonly string[]): boolean {
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((candidate) => etags.includes(candidate.trim().replace(/^W\//, '')));
}

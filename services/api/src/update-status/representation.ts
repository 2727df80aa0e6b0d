import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FeedDocument } from '@packhouse/registry';

const gzipAsync = promisify(gzip);

/** A feed ready to send: both encodings, their strong ETags and Last-Modified, computed once. */
export interface FeedRepresentation {
  status: 200 | 404;
  projectId: string | null;
  contentType: string;
  cacheControl: string;
  /** See FeedDocument.scope: undefined when the cache key's own project scopes it. */
  scope: string | null | undefined;
  body: Buffer;
  gzip: Buffer;
  etag: string;
  gzipEtag: string;
  /** HTTP-date, or null for documents without one (404s) and while it is not settled. */
  lastModified: string | null;
  /** Last-Modified in ms, at the one-second precision HTTP dates have. */
  lastModifiedMs: number | null;
  /**
   * When a Last-Modified withheld as too recent becomes safe to send (ms): a cache that
   * still holds the document then adds it (`settle`). Null when there is nothing to wait for.
   */
  settlesAt: number | null;
  bytes: number;
  /** Response headers but the cache state, per encoding, built once as flat name/value lists. */
  headers: { identity: EncodedHeaders; gzip: EncodedHeaders };
}

/** How a response was found, sent as `x-packhouse-cache`. */
export type CacheState = 'hit' | 'miss' | 'bypass';

const CACHE_STATES: readonly CacheState[] = ['hit', 'miss', 'bypass'];

/** Whole header lists, one per cache state, so that sending one copies nothing. */
export interface EncodedHeaders {
  /** For a 200 or 404 with this encoding's body. */
  full: Record<CacheState, string[]>;
  /** For a 304: the validators and caching headers only (RFC 9110 section 15.4.5). */
  notModified: Record<CacheState, string[]>;
}

// A CDN may serve a feed for a minute and keep answering from it while it revalidates
// (5 minutes) or while Packhouse is down (a day): sites poll daily, so minutes of edge
// staleness cost nothing, and an outage of the origin does not become an outage of updates.
export const FEED_CACHE_CONTROL = 'public, max-age=60, stale-while-revalidate=300, stale-if-error=86400';
const NOT_FOUND_CACHE_CONTROL = 'public, max-age=60';
const XML = 'application/xml; charset=utf-8';

/** Milliseconds since the epoch: `Date.now` but in tests, which pass time in rather than wait. */
export type Clock = () => number;

// How long after the start of its second a change's Last-Modified may be sent: the end of
// that second, and a second more for clock readings taken just before a commit.
const SETTLE_MS = 2_000;

/**
 * A Last-Modified is only sent for a document read once its second is over, and a margin
 * (`readAt`, by the database's clock, which also stamps changes at commit): read within
 * that second, the document may miss a later change of the same second, which would carry
 * the very same Last-Modified, so If-Modified-Since would answer 304 to a stale copy. Until
 * then the strong ETag alone validates.
 */
export async function represent(document: FeedDocument, now: Clock = Date.now): Promise<FeedRepresentation> {
  const body = Buffer.from(document.xml, 'utf8');
  // Level 9 once per change is cheap; every response after that is a plain buffer write.
  const gzip = await gzipAsync(body, { level: 9 });
  // Never in the future: a client must be able to send it back as If-Modified-Since.
  const changed = document.lastModified
    ? Math.floor(Math.min(document.lastModified.getTime(), now()) / 1000) * 1000
    : null;
  const readAt = document.readAt?.getTime() ?? 0;
  const settlesAt = changed !== null && readAt < changed + SETTLE_MS ? changed + SETTLE_MS : null;
  const { status, projectId, contentType = XML, cacheControl = FEED_CACHE_CONTROL, scope } = document;
  return withHeaders({
    status,
    projectId,
    contentType,
    cacheControl,
    scope,
    body,
    gzip,
    etag: strongEtag(body),
    gzipEtag: strongEtag(gzip),
    lastModifiedMs: settlesAt === null ? changed : null,
    settlesAt,
  });
}

/**
 * The same representation with its Last-Modified, once `settlesAt` has passed. Only for one
 * that no change has replaced since it was read (a cached one: a change evicts it), which
 * so holds every change of its Last-Modified's second.
 */
export function settle(representation: FeedRepresentation): FeedRepresentation {
  return withHeaders({ ...representation, lastModifiedMs: representation.settlesAt! - SETTLE_MS, settlesAt: null });
}

type Parts = Pick<
  FeedRepresentation,
  | 'status'
  | 'projectId'
  | 'contentType'
  | 'cacheControl'
  | 'scope'
  | 'body'
  | 'gzip'
  | 'etag'
  | 'gzipEtag'
  | 'lastModifiedMs'
  | 'settlesAt'
>;

function withHeaders(parts: Parts): FeedRepresentation {
  const { status, contentType, cacheControl, body, gzip, etag, gzipEtag, lastModifiedMs } = parts;
  const lastModified = lastModifiedMs === null ? null : new Date(lastModifiedMs).toUTCString();
  const caching =
    status === 200
      ? ['cache-control', cacheControl, ...(lastModified ? ['last-modified', lastModified] : [])]
      : ['cache-control', NOT_FOUND_CACHE_CONTROL];
  const encoded = (bytes: Buffer, tag: string, encoding: string[]): EncodedHeaders => {
    const validators = [...caching, 'vary', 'Accept-Encoding', ...(status === 200 ? ['etag', tag] : [])];
    const full = ['content-type', contentType, 'content-length', String(bytes.length), ...encoding, ...validators];
    const byState = (headers: string[]) =>
      Object.fromEntries(CACHE_STATES.map((state) => [state, [...headers, 'x-packhouse-cache', state]])) as Record<
        CacheState,
        string[]
      >;
    return { full: byState(full), notModified: byState(validators) };
  };
  return {
    ...parts,
    lastModified,
    // Twice: the front door keeps a whole response beside each body it sends.
    bytes: 2 * (body.length + gzip.length),
    headers: {
      identity: encoded(body, etag, []),
      gzip: encoded(gzip, gzipEtag, ['content-encoding', 'gzip']),
    },
  };
}

function strongEtag(bytes: Buffer): string {
  return `"${createHash('sha256').update(bytes).digest('base64url')}"`;
}

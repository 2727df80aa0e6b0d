import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FeedDocument } from '@packhouse/registry';

const gzipAsync = promisify(gzip);

/** A feed ready to send: both encodings, their strong ETags and Last-Modified, computed once. */
export interface FeedRepresentation {
  status: 200 | 404;
  projectId: string | null;
  body: Buffer;
  gzip: Buffer;
  etag: string;
  gzipEtag: string;
  /** HTTP-date, or null for documents without one (404s). */
  lastModified: string | null;
  /** Last-Modified in ms, at the one-second precision HTTP dates have. */
  lastModifiedMs: number | null;
  bytes: number;
  /** Every response header but the cache state, per encoding, built once. */
  headers: { identity: Record<string, string>; gzip: Record<string, string> };
}

// A CDN may serve a feed for a minute and keep answering from it while it revalidates
// (5 minutes) or while Packhouse is down (a day): sites poll daily, so minutes of edge
// staleness cost nothing, and an outage of the origin does not become an outage of updates.
export const FEED_CACHE_CONTROL = 'public, max-age=60, stale-while-revalidate=300, stale-if-error=86400';
const NOT_FOUND_CACHE_CONTROL = 'public, max-age=60';

export async function represent(document: FeedDocument): Promise<FeedRepresentation> {
  const body = Buffer.from(document.xml, 'utf8');
  // Level 9 once per change is cheap; every response after that is a plain buffer write.
  const compressed = await gzipAsync(body, { level: 9 });
  // Never in the future: a client must be able to send it back as If-Modified-Since.
  const modified = document.lastModified ? Math.floor(Math.min(document.lastModified.getTime(), Date.now()) / 1000) * 1000 : null;
  const etag = strongEtag(body);
  const gzipEtag = strongEtag(compressed);
  const lastModified = modified === null ? null : new Date(modified).toUTCString();
  const common: Record<string, string> = { 'content-type': 'application/xml; charset=utf-8', vary: 'Accept-Encoding' };
  if (document.status === 200) {
    common['cache-control'] = FEED_CACHE_CONTROL;
    if (lastModified) common['last-modified'] = lastModified;
  } else {
    common['cache-control'] = NOT_FOUND_CACHE_CONTROL;
  }
  const tagged = (tag: string): Record<string, string> => (document.status === 200 ? { etag: tag } : {});
  return {
    status: document.status,
    projectId: document.projectId,
    body,
    gzip: compressed,
    etag,
    gzipEtag,
    lastModified,
    lastModifiedMs: modified,
    bytes: body.length + compressed.length,
    headers: {
      identity: { ...common, ...tagged(etag) },
      gzip: { ...common, ...tagged(gzipEtag), 'content-encoding': 'gzip' },
    },
  };
}

function strongEtag(bytes: Buffer): string {
  return `"${createHash('sha256').update(bytes).digest('base64url')}"`;
}

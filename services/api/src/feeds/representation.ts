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
}

export async function represent(document: FeedDocument): Promise<FeedRepresentation> {
  const body = Buffer.from(document.xml, 'utf8');
  // Level 9 once per change is cheap; every response after that is a plain buffer write.
  const compressed = await gzipAsync(body, { level: 9 });
  // Never in the future: a client must be able to send it back as If-Modified-Since.
  const modified = document.lastModified ? Math.floor(Math.min(document.lastModified.getTime(), Date.now()) / 1000) * 1000 : null;
  return {
    status: document.status,
    projectId: document.projectId,
    body,
    gzip: compressed,
    etag: strongEtag(body),
    gzipEtag: strongEtag(compressed),
    lastModified: modified === null ? null : new Date(modified).toUTCString(),
    lastModifiedMs: modified,
    bytes: body.length + compressed.length,
  };
}

function strongEtag(bytes: Buffer): string {
  return `"${createHash('sha256').update(bytes).digest('base64url')}"`;
}

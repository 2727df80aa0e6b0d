import type { IncomingMessage, ServerResponse } from 'node:http';
import { acceptsGzip, notModified, type Preconditions } from '../conditional.ts';
import type { CacheState, FeedRepresentation } from './representation.ts';

/**
 * Writes a feed straight to the socket: GET and HEAD, gzip when accepted, 304 when the
 * client's copy is current. Headers were built once with the representation.
 */
export function respond(request: IncomingMessage, response: ServerResponse, representation: FeedRepresentation, state: CacheState): void {
  const asked = readHeaders(request.rawHeaders);
  const gzip = acceptsGzip(asked.acceptEncoding);
  const headers = gzip ? representation.headers.gzip : representation.headers.identity;
  if (representation.status === 200 && notModified(asked, representation, gzip)) {
    response.writeHead(304, headers.notModified[state]);
    response.end();
    return;
  }
  response.writeHead(representation.status, headers.full[state]);
  if (request.method === 'HEAD') response.end();
  else response.end(gzip ? representation.gzip : representation.body);
}

/**
 * The three request headers a feed answer depends on, read from the raw list: cheaper than
 * `request.headers`, which builds an object of every header on first use. As Node does,
 * a repeated If-None-Match is joined with commas; other repeats keep the first.
 */
function readHeaders(raw: string[]): Preconditions & { acceptEncoding?: string } {
  const found: Preconditions & { acceptEncoding?: string } = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length !== 15 && name.length !== 13 && name.length !== 17) continue;
    const lower = name.toLowerCase();
    const value = raw[i + 1]!;
    if (lower === 'accept-encoding') found.acceptEncoding ??= value;
    else if (lower === 'if-none-match') found.ifNoneMatch = found.ifNoneMatch === undefined ? value : `${found.ifNoneMatch}, ${value}`;
    else if (lower === 'if-modified-since') found.ifModifiedSince ??= value;
  }
  return found;
}

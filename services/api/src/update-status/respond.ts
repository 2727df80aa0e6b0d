import type { IncomingMessage, ServerResponse } from 'node:http';
import { acceptsGzip, notModified } from '../conditional.ts';
import type { CacheState, FeedRepresentation } from './representation.ts';
import { readFeedHeaders } from './request-headers.ts';

/**
 * Writes a feed straight to the socket: GET and HEAD, gzip when accepted, 304 when the
 * client's copy is current. Headers were built once with the representation.
 */
export function respond(
  request: IncomingMessage,
  response: ServerResponse,
  representation: FeedRepresentation,
  state: CacheState,
): void {
  const asked = readFeedHeaders(request.rawHeaders);
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

import type { Preconditions } from '../conditional.ts';

/** The request headers a feed answer depends on: its preconditions and Accept-Encoding. */
export interface FeedRequestHeaders extends Preconditions {
  acceptEncoding?: string;
}

/**
 * Adds one request header to `found` if a feed answer depends on it (`lower`: its name in
 * lower case). As Node does, a repeated If-None-Match is joined with commas; other repeats
 * keep the first. Shared by the front door, which reads raw heads, and the route, which
 * reads Node's raw header list.
 */
export function addFeedHeader(found: FeedRequestHeaders, lower: string, value: string): void {
  if (lower === 'accept-encoding') found.acceptEncoding ??= value;
  else if (lower === 'if-none-match')
    found.ifNoneMatch = found.ifNoneMatch === undefined ? value : `${found.ifNoneMatch}, ${value}`;
  else if (lower === 'if-modified-since') found.ifModifiedSince ??= value;
}

/**
 * The feed headers of Node's raw list: cheaper than `request.headers`, which builds an object of every header on
 * first use.
 */
export function readFeedHeaders(raw: readonly string[]): FeedRequestHeaders {
  const found: FeedRequestHeaders = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    // Only the three names above (13, 15 and 17 characters) are worth lower-casing.
    if (name.length !== 15 && name.length !== 13 && name.length !== 17) continue;
    addFeedHeader(found, name.toLowerCase(), raw[i + 1]!);
  }
  return found;
}

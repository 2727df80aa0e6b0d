import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { parse as parseQuery } from 'node:querystring';
import { composerCacheKey, MACHINE_NAME } from '@packhouse/registry';
import type { Logger } from 'pino';
import { acceptsGzip, notModified, type Preconditions } from '../conditional.ts';
import type { UpdateStatus } from './service.ts';
import type { Clock, FeedRepresentation } from './representation.ts';

// Node's own limit on a request head (--max-http-header-size).
const MAX_HEAD = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
const REQUEST_LINE = /^(GET|HEAD) \/release-history\/([\x21-\x7e]*) HTTP\/1\.1$/;
// `{project}/{selector}` as routes/update-status.ts caches it.
const CACHE_KEY = new RegExp(`${MACHINE_NAME.source.slice(0, -1)}/[0-9a-z.]{1,32}$`);
// The Composer repository's p2 files (routes/composer.ts), cached beside the feeds.
const P2_LINE = /^(GET|HEAD) \/composer\/p2\/drupal\/([a-z][a-z0-9_]{0,63}(?:~dev)?\.json) HTTP\/1\.1$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// What RFC 9110 allows in no field value: controls but tab, and so CR and LF.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/** A feed poll of the one shape the front door answers. */
interface Poll extends Preconditions {
  /** `HEAD`: the headers of `GET`, no body. */
  headOnly: boolean;
  key: string;
  siteKey?: string;
  version?: string;
  acceptEncoding?: string;
  close: boolean;
}

/**
 * Feed cache hits, answered straight off the socket. Sites poll feeds far more often than
 * anything else is asked, and Node's HTTP server costs more per request than the whole of
 * a cache hit: this reads plain `GET`/`HEAD /release-history/{project}/{selector}` (and
 * the Composer repository's `/composer/p2/drupal/{name}.json`, cached alike) requests of HTTP/1.1, answers those the cache holds, and hands the connection, with
 * every byte not yet answered, to Node's HTTP server (and so to fastify and
 * routes/update-status.ts) at the first request it does not answer: a miss, another route, any
 * header it does not expect (a body, an upgrade, a repeated parameter), anything unusual
 * at all. It never reads a request body, so it cannot disagree with Node about where a
 * request ends.
 */
export class FrontDoor {
  closing = false;
  private readonly connections = new Set<FeedConnection>();
  /** Gives a socket to Node's HTTP server, which keeps it from then on. */
  readonly handOff: (socket: Socket) => void;

  /** The Date lines of this door's answers, by its clock. */
  readonly dates: DateLines;

  constructor(
    readonly server: Server,
    readonly updateStatus: UpdateStatus,
    readonly log: Logger,
    now: Clock = Date.now,
  ) {
    this.dates = new DateLines(now);
    // Node's HTTP server takes its connections through this event, and documents that
    // emitting it hands a socket over: it is kept for the connections handed off.
    const listeners = server.listeners('connection') as ((socket: Socket) => void)[];
    server.removeAllListeners('connection');
    this.handOff = (socket) => {
      for (const listener of listeners) listener.call(server, socket);
    };
    server.on('connection', (socket: Socket) => {
      if (this.closing) this.handOff(socket);
      else this.connections.add(new FeedConnection(this, socket));
    });
  }

  forget(connection: FeedConnection): void {
    this.connections.delete(connection);
  }

  /** Server shutdown: idle connections close now, busy ones after their answer. */
  close(): void {
    this.closing = true;
    for (const connection of this.connections) connection.closeIfIdle();
  }
}

class FeedConnection {
  /** Bytes received and not answered yet, from the start of the next request. */
  private pending: Buffer | null = null;
  private busy = false;
  private headTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly door: FrontDoor,
    readonly socket: Socket,
  ) {
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    socket.on('timeout', this.onIdle);
    socket.setTimeout(door.server.keepAliveTimeout);
  }

  closeIfIdle(): void {
    if (!this.busy) this.socket.destroy();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.pending = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    if (!this.busy) this.next();
  };

  private readonly onError = (): void => {
    this.socket.destroy();
  };

  private readonly onClose = (): void => {
    clearTimeout(this.headTimer);
    this.door.forget(this);
  };

  private readonly onIdle = (): void => {
    if (!this.busy) this.socket.destroy();
  };

  /** Reads the next request, if a whole head has arrived. */
  private next(): void {
    const pending = this.pending;
    if (pending === null) return;
    const end = pending.indexOf(HEAD_END);
    if (end === -1) {
      if (pending.length > MAX_HEAD) return this.handOff();
      // A head that trickles in for longer than Node would wait for one is dropped.
      this.headTimer ??= setTimeout(() => this.socket.destroy(), this.door.server.headersTimeout);
      return;
    }
    clearTimeout(this.headTimer);
    this.headTimer = undefined;
    const poll = end + HEAD_END.length <= MAX_HEAD ? parsePoll(pending.toString('latin1', 0, end)) : null;
    if (poll === null) return this.handOff();
    this.busy = true;
    this.door.updateStatus.cache.lookup(poll.key, (representation) =>
      this.answer(poll, end + HEAD_END.length, representation),
    );
  }

  private answer(poll: Poll, length: number, representation: FeedRepresentation | undefined): void {
    try {
      if (this.socket.destroyed) return;
      this.busy = false;
      // Not cached: Node's server and the route answer this request and all that follow.
      if (representation === undefined) return this.handOff();
      const pending = this.pending!;
      this.pending = length === pending.length ? null : pending.subarray(length);
      this.door.updateStatus.countPoll(representation, poll.siteKey, poll.version);
      this.door.updateStatus.served('hit');
      const close = poll.close || this.door.closing;
      writeResponse(this.socket, poll, representation, close, this.door.server.keepAliveTimeout, this.door.dates);
      if (close) {
        this.stop();
        this.socket.end();
        return;
      }
      this.next();
    } catch (error) {
      // Called back from the listener's round trip: nothing above must escape.
      this.door.log.error({ err: error, key: poll.key }, 'Could not answer a feed request.');
      this.socket.destroy();
    }
  }

  private handOff(): void {
    this.detach();
    if (this.pending !== null) this.socket.unshift(this.pending);
    this.pending = null;
    this.door.handOff(this.socket);
  }

  /** Reads no more requests; errors are still this connection's to swallow. */
  private stop(): void {
    clearTimeout(this.headTimer);
    this.socket.setTimeout(0);
    this.socket.off('timeout', this.onIdle);
    this.socket.off('data', this.onData);
    this.door.forget(this);
  }

  /** Leaves the socket to Node's server, which handles its errors and timeouts itself. */
  private detach(): void {
    this.stop();
    this.socket.off('error', this.onError);
    this.socket.off('close', this.onClose);
  }
}

/** The request head as a feed poll, or null when it is anything else. */
function parsePoll(head: string): Poll | null {
  const lines = head.split('\r\n');
  const p2 = P2_LINE.exec(lines[0]!);
  const requestLine = p2 === null ? REQUEST_LINE.exec(lines[0]!) : null;
  if (requestLine === null && p2 === null) return null;
  const target = requestLine?.[2] ?? '';
  const queryAt = target.indexOf('?');
  const key = p2 !== null ? composerCacheKey(p2[2]!) : queryAt === -1 ? target : target.slice(0, queryAt);
  if (p2 === null && !CACHE_KEY.test(key)) return null;
  const poll: Poll = { headOnly: (p2 ?? requestLine)![1] === 'HEAD', key, close: false };
  if (queryAt !== -1) {
    const query = parseQuery(target.slice(queryAt + 1));
    const { site_key: siteKey, version, list } = query;
    // Repeated parameters are for the route's schema to refuse.
    if (Array.isArray(siteKey) || Array.isArray(version) || Array.isArray(list)) return null;
    poll.siteKey = siteKey;
    poll.version = version;
  }
  let hosts = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    if (colon <= 0 || !TOKEN.test(name) || CONTROL.test(line)) return null;
    const value = withoutOws(line, colon + 1);
    switch (name.toLowerCase()) {
      case 'host':
        hosts++;
        break;
      case 'accept-encoding':
        poll.acceptEncoding ??= value;
        break;
      // As Node does: a repeated If-None-Match is one list; other repeats keep the first.
      case 'if-none-match':
        poll.ifNoneMatch = poll.ifNoneMatch === undefined ? value : `${poll.ifNoneMatch}, ${value}`;
        break;
      case 'if-modified-since':
        poll.ifModifiedSince ??= value;
        break;
      case 'connection': {
        const option = value.toLowerCase();
        if (option === 'close') poll.close = true;
        else if (option !== 'keep-alive') return null;
        break;
      }
      case 'content-length':
      case 'transfer-encoding':
      case 'expect':
      case 'upgrade':
        return null;
    }
  }
  return hosts === 1 ? poll : null;
}

/** `line` from `start`, without the spaces and tabs around a field value. */
function withoutOws(line: string, start: number): string {
  let end = line.length;
  while (start < end && (line.charCodeAt(start) === 32 || line.charCodeAt(start) === 9)) start++;
  while (end > start && (line.charCodeAt(end - 1) === 32 || line.charCodeAt(end - 1) === 9)) end--;
  return line.slice(start, end);
}

function writeResponse(
  socket: Socket,
  poll: Poll,
  representation: FeedRepresentation,
  close: boolean,
  keepAliveMs: number,
  dates: DateLines,
): void {
  const gzip = acceptsGzip(poll.acceptEncoding);
  const unchanged = representation.status === 200 && notModified(poll, representation, gzip);
  const body = unchanged || poll.headOnly ? null : gzip ? representation.gzip : representation.body;
  const head = headsOf(representation)[(unchanged ? 2 : 0) + (gzip ? 1 : 0)]!;
  if (body !== null && !close) return writeWhole(socket, head, body, keepAliveMs, dates);
  const tail = dates.closingLines(close, keepAliveMs);
  // One buffer, one write: a corked write of three would go through writev, which costs more.
  const response = Buffer.allocUnsafe(head.length + tail.length + (body?.length ?? 0));
  head.copy(response, 0);
  tail.copy(response, head.length);
  body?.copy(response, head.length + tail.length);
  socket.write(response);
}

/** A whole keep-alive response with a body, made once and written again and again. */
interface WholeResponse {
  /** The head it was made with: a representation given its Last-Modified keeps its body. */
  head: Buffer;
  bytes: Buffer;
  /** Where the HTTP-date of its Date header starts. */
  dateAt: number;
  /** The second that date says. */
  second: number;
  keepAliveMs: number;
}

const wholeResponses = new WeakMap<Buffer, WholeResponse>();

/**
 * The commonest answer, a body kept alive, written from one buffer per body that holds the
 * whole response, its Date brought up to the second in place: no copy of the body per
 * request. A buffer Node is still writing (the socket's queue was not empty) is never
 * changed again: the next request makes a new one.
 */
function writeWhole(socket: Socket, head: Buffer, body: Buffer, keepAliveMs: number, dates: DateLines): void {
  const tail = dates.closingLines(false, keepAliveMs);
  const { second } = dates;
  let whole = wholeResponses.get(body);
  if (whole === undefined || whole.head !== head || whole.keepAliveMs !== keepAliveMs) {
    whole = { head, bytes: Buffer.concat([head, tail, body]), dateAt: head.length + DATE_AT, second, keepAliveMs };
    wholeResponses.set(body, whole);
  } else if (whole.second !== second) {
    tail.copy(whole.bytes, whole.dateAt, DATE_AT, DATE_AT + HTTP_DATE_LENGTH);
    whole.second = second;
  }
  socket.write(whole.bytes);
  if (socket.writableLength > 0) wholeResponses.delete(body);
}
const heads = new WeakMap<FeedRepresentation, readonly Buffer[]>();

/**
 * The status line and headers of a cache hit, up to Date, as Node writes them from the
 * same header lists: identity, gzip, then their 304s.
 */
function headsOf(representation: FeedRepresentation): readonly Buffer[] {
  let found = heads.get(representation);
  if (found === undefined) {
    const { identity, gzip } = representation.headers;
    const head = (status: number, list: string[]) => {
      let text = `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n`;
      for (let i = 0; i < list.length; i += 2) text += `${list[i]}: ${list[i + 1]}\r\n`;
      return Buffer.from(text, 'latin1');
    };
    found = [head(representation.status, identity.full.hit), head(representation.status, gzip.full.hit), head(304, identity.notModified.hit), head(304, gzip.notModified.hit)];
    heads.set(representation, found);
  }
  return found;
}

// `Date: ` and an HTTP-date (IMF-fixdate, always 29 characters) open the closing lines.
const DATE_AT = 'Date: '.length;
const HTTP_DATE_LENGTH = 29;

/** Date (an HTTP-date, made once a second) and Connection, as Node ends a response head. */
class DateLines {
  /** The second (since the epoch) the lines last made say. */
  second = 0;
  private tails: { keepAliveMs: number; keepAlive: Buffer; close: Buffer } | undefined;

  constructor(private readonly now: Clock) {}

  closingLines(close: boolean, keepAliveMs: number): Buffer {
    const now = Math.floor(this.now() / 1000);
    if (now !== this.second || this.tails?.keepAliveMs !== keepAliveMs) {
      this.second = now;
      const date = `Date: ${new Date(now * 1000).toUTCString()}\r\n`;
      const timeout = Math.floor(keepAliveMs / 1000);
      const keepAlive = `${date}Connection: keep-alive\r\nKeep-Alive: timeout=${timeout}\r\n\r\n`;
      this.tails = {
        keepAliveMs,
        keepAlive: Buffer.from(keepAlive, 'latin1'),
        close: Buffer.from(`${date}Connection: close\r\n\r\n`, 'latin1'),
      };
    }
    return close ? this.tails!.close : this.tails!.keepAlive;
  }
}

import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { parse as parseQuery } from 'node:querystring';
import { composerCacheKey, MACHINE_NAME } from '@packhouse/registry';
import type { Logger } from 'pino';
import type { UpdateStatus } from './service.ts';
import { HitWriter, type HitRequest } from './hit-writer.ts';
import type { Clock, FeedRepresentation } from './representation.ts';
import { addFeedHeader } from './request-headers.ts';

// Node's own limit on a request head (--max-http-header-size).
const MAX_HEAD = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
// Unanswered request bytes a connection may hold before it is read no further: four
// heads of the largest size, hundreds of ordinary polls.
const MAX_PENDING = 4 * MAX_HEAD;
const REQUEST_LINE = /^(GET|HEAD) \/release-history\/([\x21-\x7e]*) HTTP\/1\.1$/;
// `{project}/{selector}` as routes/update-status.ts caches it.
const CACHE_KEY = new RegExp(`${MACHINE_NAME.source.slice(0, -1)}/[0-9a-z.]{1,32}$`);
// The Composer repository's p2 files (routes/composer.ts), cached beside the feeds.
const P2_LINE = /^(GET|HEAD) \/composer\/p2\/drupal\/([a-z][a-z0-9_]{0,63}(?:~dev)?\.json) HTTP\/1\.1$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// What RFC 9110 allows in no field value: controls but tab, and so CR and LF.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/** A feed poll of the one shape the front door answers. */
interface Poll extends HitRequest {
  key: string;
  siteKey?: string;
  version?: string;
}

/**
 * Feed cache hits, answered straight off the socket. Sites poll feeds far more often than
 * anything else is asked, and Node's HTTP server costs more per request than the whole of
 * a cache hit: this reads plain `GET`/`HEAD /release-history/{project}/{selector}` (and
 * the Composer repository's `/composer/p2/drupal/{name}.json`, cached alike) requests of HTTP/1.1, answers those the
 * cache holds, and hands the connection, with
 * every byte not yet answered, to Node's HTTP server (and so to fastify and
 * routes/update-status.ts) at the first request it does not answer: a miss, another route, any
 * header it does not expect (a body, an upgrade, a repeated parameter), anything unusual
 * at all. It never reads a request body, so it cannot disagree with Node about where a
 * request ends.
 *
 * Against hostile clients it holds what Node's server holds: one request in flight per
 * connection, the next read only once the last answer has gone to the kernel (a client
 * that pipelines and never reads stops being read; its unanswered bytes are capped at
 * MAX_PENDING and wait in the kernel), the keep-alive timeout for connections with no
 * traffic either way, and the headers timeout for a head that trickles in. FEED_FRONT_DOOR=off
 * leaves every connection to Node's server.
 */
export class FrontDoor {
  closing = false;
  private readonly connections = new Set<FeedConnection>();
  /** Gives a socket to Node's HTTP server, which keeps it from then on. */
  readonly handOff: (socket: Socket) => void;
  readonly writer: HitWriter;

  constructor(
    readonly server: Server,
    readonly updateStatus: UpdateStatus,
    readonly log: Logger,
    now: Clock = Date.now,
  ) {
    // Node's HTTP server takes its connections through this event, and documents that
    // emitting it hands a socket over: it is kept for the connections handed off.
    this.writer = new HitWriter(() => server.keepAliveTimeout, now);
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
  /** A cache lookup is under way: the one request in flight on this connection. */
  private busy = false;
  /** The last answer is past the socket's high-water mark: nothing more is read or answered until it drains. */
  private draining = false;
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
    // Requests pipelined faster than they are answered wait in the kernel, not here.
    if (this.pending.length > MAX_PENDING) this.socket.pause();
    if (!this.busy && !this.draining) this.next();
  };

  private readonly onDrain = (): void => {
    this.draining = false;
    this.next();
  };

  private readonly onError = (): void => {
    this.socket.destroy();
  };

  private readonly onClose = (): void => {
    clearTimeout(this.headTimer);
    this.door.forget(this);
  };

  /**
   * No bytes either way for the keep-alive timeout: between requests, or while an answer
   * waits for a client that does not read it (Node's server would keep that one forever).
   */
  private readonly onIdle = (): void => {
    if (!this.busy) this.socket.destroy();
  };

  /** Reads the next request, if a whole head has arrived. */
  private next(): void {
    const pending = this.pending;
    if ((pending === null || pending.length <= MAX_PENDING) && this.socket.isPaused()) this.socket.resume();
    if (pending === null) return;
    const end = pending.indexOf(HEAD_END);
    if (end === -1) {
      if (pending.length > MAX_HEAD) return this.handOff();
      // A head that trickles in for longer than Node would wait for one is dropped (slowloris).
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
      poll.close ||= this.door.closing;
      const flushed = this.door.writer.write(this.socket, poll, representation);
      if (poll.close) {
        this.stop();
        this.socket.end();
        return;
      }
      if (flushed) return this.next();
      // Backpressure: a client that does not read its answers gets no more of them, and
      // what it sends meanwhile stays in the kernel's buffers, which fill and stop it.
      this.draining = true;
      this.socket.pause();
      this.socket.once('drain', this.onDrain);
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
    // Node's server attaches its reader synchronously below, before the resumed stream flows.
    this.socket.resume();
    this.door.handOff(this.socket);
  }

  /** Reads no more requests; errors are still this connection's to swallow. */
  private stop(): void {
    clearTimeout(this.headTimer);
    this.socket.setTimeout(0);
    this.socket.off('timeout', this.onIdle);
    this.socket.off('data', this.onData);
    this.socket.off('drain', this.onDrain);
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
    const lower = name.toLowerCase();
    switch (lower) {
      case 'host':
        hosts++;
        break;
      case 'accept-encoding':
      case 'if-none-match':
      case 'if-modified-since':
        addFeedHeader(poll, lower, value);
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

import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { acceptsGzip, notModified } from '../conditional.ts';
import type { FeedRequestHeaders } from './request-headers.ts';
import type { Clock, FeedRepresentation } from './representation.ts';
import { DATE_AT, HTTP_DATE_LENGTH, ResponseClock } from './response-clock.ts';

/** What the front door answers: one request of the shape it reads. */
export interface HitRequest extends FeedRequestHeaders {
  /** `HEAD`: the headers of `GET`, no body. */
  headOnly: boolean;
  /** The client asked to close after this answer (or the server is closing). */
  close: boolean;
}

/** The status line and headers of a cache hit, up to Date, as Node writes them from the same header lists. */
interface HitHeads {
  full: { identity: Buffer; gzip: Buffer };
  notModified: { identity: Buffer; gzip: Buffer };
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

/**
 * Writes cache hits to sockets as Node would, from buffers made once: the heads of each
 * representation, and for the commonest answer, a body kept alive, one buffer per body
 * holding the whole response, its Date brought up to the second in place (no copy of the
 * body per request). A buffer Node is still writing (the socket's queue was not empty) is
 * never changed again: the next request makes a new one.
 */
export class HitWriter {
  private readonly clock: ResponseClock;
  private readonly heads = new WeakMap<FeedRepresentation, HitHeads>();
  private readonly wholeResponses = new WeakMap<Buffer, WholeResponse>();

  constructor(
    private readonly keepAliveMs: () => number,
    now: Clock = Date.now,
  ) {
    this.clock = new ResponseClock(now);
  }

  /** Writes the answer; returns false when the socket's queue is past its high-water mark. */
  write(socket: Socket, request: HitRequest, representation: FeedRepresentation): boolean {
    const gzip = acceptsGzip(request.acceptEncoding);
    const unchanged = representation.status === 200 && notModified(request, representation, gzip);
    const body = unchanged || request.headOnly ? null : gzip ? representation.gzip : representation.body;
    const heads = this.headsOf(representation);
    const head = (unchanged ? heads.notModified : heads.full)[gzip ? 'gzip' : 'identity'];
    const keepAliveMs = this.keepAliveMs();
    this.clock.tick(keepAliveMs);
    if (body !== null && !request.close) return this.writeWhole(socket, head, body, keepAliveMs);
    const tail = this.clock.closingLines(request.close);
    // One buffer, one write: a corked write of three would go through writev, which costs more.
    const response = Buffer.allocUnsafe(head.length + tail.length + (body?.length ?? 0));
    head.copy(response, 0);
    tail.copy(response, head.length);
    body?.copy(response, head.length + tail.length);
    return socket.write(response);
  }

  private writeWhole(socket: Socket, head: Buffer, body: Buffer, keepAliveMs: number): boolean {
    const tail = this.clock.closingLines(false);
    const second = this.clock.second;
    let whole = this.wholeResponses.get(body);
    if (whole === undefined || whole.head !== head || whole.keepAliveMs !== keepAliveMs) {
      whole = { head, bytes: Buffer.concat([head, tail, body]), dateAt: head.length + DATE_AT, second, keepAliveMs };
      this.wholeResponses.set(body, whole);
    } else if (whole.second !== second) {
      tail.copy(whole.bytes, whole.dateAt, DATE_AT, DATE_AT + HTTP_DATE_LENGTH);
      whole.second = second;
    }
    const flushed = socket.write(whole.bytes);
    if (socket.writableLength > 0) this.wholeResponses.delete(body);
    return flushed;
  }

  private headsOf(representation: FeedRepresentation): HitHeads {
    let found = this.heads.get(representation);
    if (found === undefined) {
      const { identity, gzip } = representation.headers;
      const head = (status: number, list: string[]) => {
        let text = `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n`;
        for (let i = 0; i < list.length; i += 2) text += `${list[i]}: ${list[i + 1]}\r\n`;
        return Buffer.from(text, 'latin1');
      };
      found = {
        full: {
          identity: head(representation.status, identity.full.hit),
          gzip: head(representation.status, gzip.full.hit),
        },
        notModified: { identity: head(304, identity.notModified.hit), gzip: head(304, gzip.notModified.hit) },
      };
      this.heads.set(representation, found);
    }
    return found;
  }
}

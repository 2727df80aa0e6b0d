import type { Clock } from './representation.ts';

// `Date: ` and an HTTP-date (IMF-fixdate, always 29 characters) open the closing lines.
export const DATE_AT = 'Date: '.length;
export const HTTP_DATE_LENGTH = 29;

/**
 * The lines that end a response head as Node writes them, Date (an HTTP-date, made once a
 * second) and Connection, remade only when the second or the keep-alive timeout changes.
 * One per front door: its state is the second it last read, nothing else depends on when
 * it is called.
 */
export class ResponseClock {
  /** The second (Unix time) the lines were made for. */
  second = 0;
  private keepAliveMs = -1;
  private keepAlive = Buffer.alloc(0);
  private close = Buffer.alloc(0);

  constructor(private readonly now: Clock = Date.now) {}

  /** Brings the lines up to the current second; returns that second. */
  tick(keepAliveMs: number): number {
    const now = Math.floor(this.now() / 1000);
    if (now !== this.second || keepAliveMs !== this.keepAliveMs) {
      this.second = now;
      this.keepAliveMs = keepAliveMs;
      const date = `Date: ${new Date(now * 1000).toUTCString()}\r\n`;
      this.keepAlive = Buffer.from(
        `${date}Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(keepAliveMs / 1000)}\r\n\r\n`,
        'latin1',
      );
      this.close = Buffer.from(`${date}Connection: close\r\n\r\n`, 'latin1');
    }
    return now;
  }

  /** The closing lines of this second (call `tick` first). */
  closingLines(close: boolean): Buffer {
    return close ? this.close : this.keepAlive;
  }
}

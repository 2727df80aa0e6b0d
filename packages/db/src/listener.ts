import pg from 'pg';
import type { Logger } from 'pino';

export interface ChangeListenerOptions {
  databaseUrl: string;
  channel: string;
  /** A notification's payload, as committed by some writer. */
  onChange(payload: string): void;
  /** Notifications may have been missed (connection lost or just (re)established): forget everything. */
  onReset(): void;
  log: Logger;
  /** How long a sync round trip may take before the connection is presumed dead. */
  syncTimeoutMs?: number;
}

export class ListenerDown extends Error {
  constructor() {
    super('the change listener is not connected');
  }
}

/**
 * A dedicated Postgres connection that LISTENs on one channel, reconnecting with backoff.
 *
 * `sync()` is the freshness barrier: a round trip on this very connection, sent after the
 * call. Postgres delivers every notification of a transaction that committed before that
 * query ahead of the query's ReadyForQuery, and pg emits messages in order, so when `sync()`
 * resolves, `onChange` has run for every write that committed before `sync()` was called.
 * Concurrent callers share round trips: at most one in flight, and one gathering callers.
 */
export class ChangeListener {
  private client: pg.Client | null = null;
  private listening = false;
  private closed = false;
  private retryMs = 100;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | null = null;
  /** The round trip not sent yet, that callers join. */
  private next: { promise: Promise<void>; resolve(): void; reject(error: Error): void } | null = null;

  constructor(private readonly options: ChangeListenerOptions) {}

  get ready(): boolean {
    return this.listening;
  }

  /** Connects once; on failure keeps retrying in the background (callers bypass caches meanwhile). */
  async start(): Promise<void> {
    await this.connect();
  }

  sync(): Promise<void> {
    if (!this.listening) return Promise.reject(new ListenerDown());
    if (this.next === null) {
      let resolve!: () => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      this.next = { promise, resolve, reject };
      // Sent at the end of this turn of the event loop, so that every request read in it
      // shares the round trip; if one is in flight, when it returns.
      if (this.inFlight === null) setImmediate(() => this.sendNext());
    }
    return this.next.promise;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.drop();
    await client?.end().catch(() => {});
  }

  private sendNext(): void {
    const next = this.next;
    if (next === null) return;
    this.next = null;
    if (!this.listening) return next.reject(new ListenerDown());
    this.roundTrip().then(next.resolve, next.reject);
  }

  private roundTrip(): Promise<void> {
    const client = this.client!;
    const timeoutMs = this.options.syncTimeoutMs ?? 2_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    // An empty query: the cheapest round trip, still answered after pending notifications.
    const trip: Promise<void> = Promise.race([client.query(''), timeout])
      .then(() => undefined)
      .catch((error: Error) => {
        this.lost(client, error);
        throw new ListenerDown();
      })
      .finally(() => {
        clearTimeout(timer);
        if (this.inFlight !== trip) return;
        this.inFlight = null;
        if (this.next !== null) setImmediate(() => this.sendNext());
      });
    this.inFlight = trip;
    return trip;
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const { databaseUrl, channel, log } = this.options;
    const client = new pg.Client({
      connectionString: databaseUrl,
      application_name: 'packhouse-feed-listener',
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
    });
    this.client = client;
    client.on('notification', (message) => {
      if (message.channel === channel && message.payload !== undefined) this.options.onChange(message.payload);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
    } catch (error) {
      this.lost(client, error as Error);
      return;
    }
    if (this.client !== client) return;
    // Anything cached before LISTEN took effect may have missed a change.
    this.options.onReset();
    this.listening = true;
    this.retryMs = 100;
    log.info({ channel }, 'Listening for feed changes.');
  }

  private lost(client: pg.Client, error: Error): void {
    if (this.client !== client) return;
    const wasListening = this.listening;
    this.drop();
    this.options.onReset();
    client.end().catch(() => {});
    if (this.closed) return;
    this.options.log.warn(
      { err: error, retry_ms: this.retryMs, was_listening: wasListening },
      'Lost the feed change listener; feeds bypass the cache until it reconnects.',
    );
    this.timer = setTimeout(() => void this.connect(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, 5_000);
  }

  private drop(): void {
    this.client = null;
    this.listening = false;
    this.inFlight = null;
    const next = this.next;
    this.next = null;
    next?.reject(new ListenerDown());
  }
}

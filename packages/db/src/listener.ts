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
  /** Names the connection in pg_stat_activity; `packhouse-feed-listener` unless given. */
  applicationName?: string;
}

export class ListenerDown extends Error {
  constructor() {
    super('the change listener is not connected');
  }
}

/** Called once the barrier is passed, or with an error when freshness cannot be known. */
export type Synced = (error?: Error) => void;

/**
 * A dedicated Postgres connection that LISTENs on one channel, reconnecting with backoff.
 *
 * `afterSync()` is the freshness barrier: a round trip on this very connection, sent after
 * the call. Postgres delivers every notification of a transaction that committed before that
 * query ahead of the query's ReadyForQuery, and pg emits messages in order, so when the
 * callback runs, `onChange` has run for every write that committed before `afterSync()` was
 * called. Callers share round trips: at most one in flight, and one gathering callers. The
 * barrier sits in front of every cached feed response, so it takes plain callbacks: no
 * promise per request.
 */
export class ChangeListener {
  private client: pg.Client | null = null;
  private listening = false;
  private closed = false;
  private retryMs = 100;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;
  /** The callers of the round trip not sent yet. */
  private gathering: Synced[] = [];

  constructor(private readonly options: ChangeListenerOptions) {}

  /** Connects once; on failure keeps retrying in the background (callers bypass caches meanwhile). */
  async start(): Promise<void> {
    await this.connect();
  }

  afterSync(callback: Synced): void {
    if (!this.listening) return process.nextTick(callback, new ListenerDown());
    this.gathering.push(callback);
    // Sent at the end of this turn of the event loop, so that every request read in it
    // shares the round trip; if one is in flight, when it returns.
    if (this.gathering.length === 1 && !this.inFlight) setImmediate(this.sendNext);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.drop();
    await client?.end().catch(() => {});
  }

  private readonly sendNext = (): void => {
    const callers = this.gathering;
    if (callers.length === 0 || this.inFlight) return;
    this.gathering = [];
    const client = this.client;
    if (!this.listening || client === null) return settle(callers, new ListenerDown());
    this.inFlight = true;
    this.roundTrip(client, (error) => {
      if (this.client !== client) return settle(callers, new ListenerDown());
      this.inFlight = false;
      settle(callers, error);
      if (this.gathering.length > 0) setImmediate(this.sendNext);
    });
  };

  private roundTrip(client: pg.Client, done: Synced): void {
    const timeoutMs = this.options.syncTimeoutMs ?? 2_000;
    let finished = false;
    const finish = (error?: Error) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (error) this.lost(client, error);
      done(error && new ListenerDown());
    };
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    // An empty query: the cheapest round trip, still answered after pending notifications.
    client.query('').then(
      () => finish(),
      (error: Error) => finish(error),
    );
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const { databaseUrl, channel, log } = this.options;
    const client = new pg.Client({
      connectionString: databaseUrl,
      application_name: this.options.applicationName ?? 'packhouse-feed-listener',
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
    this.inFlight = false;
    const callers = this.gathering;
    this.gathering = [];
    settle(callers, new ListenerDown());
  }
}

function settle(callers: Synced[], error?: Error): void {
  for (const callback of callers) callback(error);
}

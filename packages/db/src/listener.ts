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
  /** Names the connections in pg_stat_activity; `packhouse-feed-listener` unless given. */
  applicationName?: string;
  /** How many LISTEN connections carry round trips (1 unless given; see below). */
  lanes?: number;
}

export class ListenerDown extends Error {
  constructor() {
    super('the change listener is not connected');
  }
}

/** Called once the barrier is passed, or with an error when freshness cannot be known. */
export type Synced = (error?: Error) => void;

/**
 * Dedicated Postgres connections ("lanes") that each LISTEN on one channel, reconnecting
 * with backoff.
 *
 * `afterSync()` is the freshness barrier: a round trip on a listening lane, sent after the
 * call. Postgres delivers every notification of a transaction that committed before that
 * query ahead of the query's ReadyForQuery, and pg emits messages in order, so when the
 * callback runs, `onChange` has run for every write that committed before `afterSync()` was
 * called. Any lane will do: each one LISTENs for itself, so each delivers every
 * notification (`onChange` runs once per lane; it only evicts, so a repeat is harmless).
 *
 * Callers share round trips: those gathered in one turn of the event loop leave together
 * on the next idle lane, and a lane has one round trip in flight at a time. With one lane,
 * a caller arriving while a round trip is in flight waits for it and then for its own (up
 * to two round trips), and the process idles whenever every request waits on Postgres;
 * with two, the next batch leaves at once, so a caller waits about one round trip. The
 * barrier sits in front of every cached feed response, so it takes plain callbacks: no
 * promise per request.
 */
export class ChangeListener {
  private readonly lanes: Lane[];
  /** The callers of the next round trip, not sent yet. */
  private gathering: Synced[] = [];
  private scheduled = false;

  constructor(options: ChangeListenerOptions) {
    this.lanes = Array.from({ length: options.lanes ?? 1 }, (_, index) => new Lane(options, index, this.changed));
  }

  /** Connects every lane once; on failure they keep retrying in the background (callers bypass caches meanwhile). */
  async start(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.connect()));
  }

  afterSync(callback: Synced): void {
    if (!this.lanes.some((lane) => lane.listening)) return process.nextTick(callback, new ListenerDown());
    this.gathering.push(callback);
    this.schedule();
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.close()));
    this.changed();
  }

  /** Sent at the end of this turn of the event loop, so that every request read in it shares the round trip. */
  private schedule(): void {
    if (this.scheduled || this.gathering.length === 0) return;
    this.scheduled = true;
    setImmediate(this.sendNext);
  }

  private readonly sendNext = (): void => {
    this.scheduled = false;
    if (this.gathering.length === 0) return;
    // Every lane busy: the first to return sends these.
    const lane = this.lanes.find((candidate) => candidate.idle);
    if (lane === undefined) return;
    const callers = this.gathering;
    this.gathering = [];
    lane.roundTrip((error) => {
      settle(callers, error);
      this.schedule();
    });
  };

  /** A lane went down or came back: with none listening, nobody can be answered; otherwise send what waits. */
  private readonly changed = (): void => {
    if (this.lanes.some((lane) => lane.listening)) return this.schedule();
    const callers = this.gathering;
    this.gathering = [];
    settle(callers, new ListenerDown());
  };
}

/** One LISTEN connection with at most one round trip in flight. */
class Lane {
  listening = false;
  private client: pg.Client | null = null;
  private inFlight = false;
  private closed = false;
  private retryMs = 100;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: ChangeListenerOptions,
    private readonly index: number,
    private readonly changed: () => void,
  ) {}

  get idle(): boolean {
    return this.listening && !this.inFlight;
  }

  roundTrip(done: Synced): void {
    const client = this.client!;
    const timeoutMs = this.options.syncTimeoutMs ?? 2_000;
    this.inFlight = true;
    let finished = false;
    const finish = (error?: Error) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (error) this.lost(client, error);
      // A lane lost meanwhile (even by its other events) proves nothing.
      if (this.client !== client) return done(new ListenerDown());
      this.inFlight = false;
      done();
    };
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    // An empty query: the cheapest round trip, still answered after pending notifications.
    client.query('').then(
      () => finish(),
      (error: Error) => finish(error),
    );
  }

  async connect(): Promise<void> {
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
    log.info({ channel, lane: this.index }, 'Listening for feed changes.');
    this.changed();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.drop();
    await client?.end().catch(() => {});
  }

  private lost(client: pg.Client, error: Error): void {
    if (this.client !== client) return;
    const wasListening = this.listening;
    this.drop();
    this.options.onReset();
    client.end().catch(() => {});
    this.changed();
    if (this.closed) return;
    this.options.log.warn(
      { err: error, lane: this.index, retry_ms: this.retryMs, was_listening: wasListening },
      'Lost a feed change listener connection; reconnecting (feeds bypass the cache while no lane listens).',
    );
    this.timer = setTimeout(() => void this.connect(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, 5_000);
  }

  private drop(): void {
    this.client = null;
    this.listening = false;
    this.inFlight = false;
  }
}

function settle(callers: Synced[], error?: Error): void {
  for (const callback of callers) callback(error);
}

import { CamelCasePlugin, Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Repository functions take either; a function that locks rows asks for a Tx. */
export type Executor = Db | Tx;

// bigint columns come back as strings by default; sizes fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => value);

export function createDb(
  databaseUrl: string,
  { max = 10, onIdleError = () => {} }: { max?: number; onIdleError?: (error: Error) => void } = {},
): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl, max });
  // An idle connection killed by the server (restart, failover) is dropped from the pool
  // and replaced on demand; unheard, pg's 'error' event would crash the process.
  pool.on('error', onIdleError);
  // A connection checked out between two statements (inside a transaction) has no listener
  // of the pool's: the server going away then emits an 'error' nobody hears, which would
  // crash the process. The next statement on it fails anyway, and the pool drops it.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
  pools.set(db, pool);
  return db;
}

const pools = new WeakMap<Db, pg.Pool>();

/** How busy a database handle's pool is (for metrics): connections open, idle, and queries waiting for one. */
export function poolStats(db: Db): { total: number; idle: number; waiting: number } {
  const pool = pools.get(db);
  return { total: pool?.totalCount ?? 0, idle: pool?.idleCount ?? 0, waiting: pool?.waitingCount ?? 0 };
}

/**
 * Runs several reads against one snapshot of the database: a view assembled from a release
 * and its builds never shows a commit from before a publish beside builds from after it.
 */
export function snapshot<T>(db: Db, read: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(read);
}

// Connection failures and server shutdown/startup (SQLSTATE classes 08 and 57P): the
// statement never ran or its transaction was rolled back, so the caller may try again.
const UNAVAILABLE_MESSAGES =
  /^Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect/;
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03']);

/** True when an error means Postgres could not be reached or went away, not that a statement was wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message);
}

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
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
}

/**
 * Runs several reads against one snapshot of the database: a view assembled from a release
 * and its builds never shows a commit from before a publish beside builds from after it.
 */
export function snapshot<T>(db: Db, read: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(read);
}

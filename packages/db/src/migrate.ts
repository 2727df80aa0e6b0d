import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { assertUnedited, readMigrations, type AppliedMigration, type MigrationFile } from './migration-files.ts';

/** The repository's `migrations/` folder, found upwards from this module (source or bundle). */
export const MIGRATIONS_DIR = findUp(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

function findUp(from: string, name: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, name))) return path.join(dir, name);
    if (path.dirname(dir) === dir) throw new Error(`no ${name}/ folder above ${from}`);
  }
}

/** Creates the database named in the URL when it does not exist yet. */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  await onServer(databaseUrl, async (client, name) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount !== 0) return;
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`).catch((error: { code?: string }) => {
      // Another process created it between our check and our CREATE.
      if (error.code !== '42P04' && error.code !== '23505') throw error;
    });
  });
}

/** Drops the database named in the URL, closing its connections (tests and benchmarks). */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  await onServer(databaseUrl, (client, name) =>
    client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`),
  );
}

/** Runs `work` on the server's `postgres` database, given the name of the URL's own. */
async function onServer(
  databaseUrl: string,
  work: (client: pg.Client, name: string) => Promise<unknown>,
): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await work(client, name);
  } finally {
    await client.end();
  }
}

const LOCK = 'packhouse-migrations';

/**
 * Applies the append-only SQL migrations in file-name order, each in its own transaction
 * (unless marked `-- migrate: no-transaction`, see migration-files.ts), under an advisory lock
 * so that several processes booting at once apply each file once. Each applied file's
 * checksum is recorded; before anything runs, a file edited since it was applied is refused
 * by name. A migrations table from before checksums gets the column, and its rows the
 * checksums of today's files (the first run can only trust what it finds).
 */
export async function migrate(databaseUrl: string, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = await readMigrations(dir);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL ' +
        'DEFAULT now())',
    );
    await client.query('ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text');
    for (const file of files) {
      await client.query('UPDATE schema_migrations SET checksum = $2 WHERE name = $1 AND checksum IS NULL', [
        file.name,
        file.checksum,
      ]);
    }
    const done = await appliedMigrations(client);
    assertUnedited(done, files);
    const doneNames = new Set(done.map((row) => row.name));
    for (const file of files) {
      if (doneNames.has(file.name)) continue;
      await apply(client, file);
      applied.push(file.name);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [LOCK]).catch(() => {});
    await client.end();
  }
  return applied;
}

async function apply(client: pg.Client, file: MigrationFile): Promise<void> {
  const record = () =>
    client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [file.name, file.checksum]);
  try {
    if (!file.transactional) {
      await client.query(file.sql);
      await record();
      return;
    }
    await client.query('BEGIN');
    try {
      await client.query(file.sql);
      await record();
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
  } catch (error) {
    // 25001: a statement that cannot run in a transaction block (CREATE INDEX CONCURRENTLY).
    const hint =
      (error as { code?: string }).code === '25001' && file.transactional
        ? ' (a statement that cannot run in a transaction goes alone in a file whose first line is "-- ' +
          'migrate: no-transaction")'
        : '';
    throw new Error(`migration ${file.name} failed: ${(error as Error).message}${hint}`, { cause: error });
  }
}

/**
 * For the API and workers at boot (they do not migrate): refuses when a migration applied to
 * this database was edited since. Nothing to compare (no migrations table yet, or one from
 * before checksums) passes; `migrate` records the checksums.
 */
export async function verifyMigrations(databaseUrl: string, dir = MIGRATIONS_DIR): Promise<void> {
  const files = await readMigrations(dir);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ present: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'schema_migrations' AND column_name = 'checksum') AS present`,
    );
    if (!rows[0]!.present) return;
    assertUnedited(await appliedMigrations(client), files);
  } finally {
    await client.end();
  }
}

async function appliedMigrations(client: pg.Client): Promise<AppliedMigration[]> {
  const { rows } = await client.query<AppliedMigration>('SELECT name, checksum FROM schema_migrations ORDER BY name');
  return rows;
}

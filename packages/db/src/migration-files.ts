import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The migration files on disk. A file runs in a transaction of its own unless its first line
 * is the marker `-- migrate: no-transaction` (for `CREATE INDEX CONCURRENTLY`, which cannot run
 * in one): such a file holds a single statement, written to be safe to run again
 * (`IF NOT EXISTS`), since a crash can fall between the statement and its record.
 */
export interface MigrationFile {
  name: string;
  sql: string;
  /** sha256 of the file, line endings normalized to LF (a checkout's CRLF is no edit). */
  checksum: string;
  transactional: boolean;
}

const DIRECTIVE = /^--\s*migrate:\s*(.*?)\s*$/;
const NO_TRANSACTION = 'no-transaction';

export async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name), 'utf8');
      return { name, sql, checksum: checksumOf(sql), transactional: isTransactional(name, sql) };
    }),
  );
}

export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

function isTransactional(name: string, sql: string): boolean {
  const firstLine = sql.split('\n', 1)[0]!.trim();
  const directive = DIRECTIVE.exec(firstLine);
  if (!directive) return true;
  if (directive[1] === NO_TRANSACTION) return false;
  throw new Error(
    `migration ${name} has an unknown directive "${directive[1]}": the only one is "-- migrate: ${NO_TRANSACTION}"`,
  );
}

export interface AppliedMigration {
  name: string;
  checksum: string | null;
}

/**
 * Refuses when a migration already applied differs from its file: landed migrations are
 * never edited (the database ran the old text; a new file must carry the change). Applied
 * migrations without a file are left alone: older code may run beside a newer schema.
 */
export function assertUnedited(applied: AppliedMigration[], files: MigrationFile[]): void {
  const byName = new Map(files.map((file) => [file.name, file]));
  const edited = applied.filter(
    (row) => row.checksum !== null && byName.has(row.name) && byName.get(row.name)!.checksum !== row.checksum,
  );
  if (edited.length === 0) return;
  const names = edited.map((row) => row.name).join(', ');
  throw new MigrationEdited(
    `migration ${names} was edited after it was applied (its sha256 no longer matches the one recorded in ` +
      'schema_migrations): restore the file as it landed and put the change in a new migration',
    edited.map((row) => row.name),
  );
}

export class MigrationEdited extends Error {
  constructor(
    message: string,
    readonly files: string[],
  ) {
    super(message);
    this.name = 'MigrationEdited';
  }
}

import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { postgresUrl } from '@packhouse/testing';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checksumOf, dropDatabase, ensureDatabase, migrate, MIGRATIONS_DIR, verifyMigrations } from '../src/index.ts';

// Each test gets an empty database and a folder of migrations of its own.
describe('migrate', () => {
  let url: string;
  let dir: string;
  const databases: string[] = [];
  const query = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  };
  const write = (name: string, sql: string) => writeFile(path.join(dir, name), sql);
  const recorded = () =>
    query<{ name: string; checksum: string | null }>('SELECT name, checksum FROM schema_migrations ORDER BY name');

  beforeEach(async () => {
    const server = new URL(await postgresUrl());
    server.pathname = `/packhouse_migrate_${randomBytes(6).toString('hex')}`;
    url = server.toString();
    databases.push(url);
    await ensureDatabase(url);
    dir = await mkdtemp(path.join(tmpdir(), 'packhouse-migrations-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  afterAll(async () => {
    for (const database of databases) await dropDatabase(database);
  });

  it('applies files in name order once, recording the checksum of each', async () => {
    await write('002_b.sql', 'ALTER TABLE a ADD COLUMN b integer;');
    await write('001_a.sql', 'CREATE TABLE a (id integer);');
    expect(await migrate(url, dir)).toEqual(['001_a.sql', '002_b.sql']);
    expect(await migrate(url, dir)).toEqual([]);
    expect(await recorded()).toEqual([
      { name: '001_a.sql', checksum: checksumOf('CREATE TABLE a (id integer);') },
      { name: '002_b.sql', checksum: checksumOf('ALTER TABLE a ADD COLUMN b integer;') },
    ]);
  });

  it('refuses to run when an applied file was edited, naming it, and applies nothing new', async () => {
    await write('001_a.sql', 'CREATE TABLE a (id integer);');
    await write('002_b.sql', 'CREATE TABLE b (id integer);');
    await migrate(url, dir);
    await write('002_b.sql', 'CREATE TABLE b (id bigint);');
    await write('003_c.sql', 'CREATE TABLE c (id integer);');
    await expect(migrate(url, dir)).rejects.toThrow(/^migration 002_b\.sql was edited after it was applied/);
    await expect(verifyMigrations(url, dir)).rejects.toThrow(/migration 002_b\.sql was edited/);
    expect((await recorded()).map((row) => row.name)).toEqual(['001_a.sql', '002_b.sql']);
    expect(await query("SELECT 1 FROM pg_tables WHERE tablename = 'c'")).toEqual([]);
    // Restoring the file as it landed lets the next migration through.
    await write('002_b.sql', 'CREATE TABLE b (id integer);');
    expect(await migrate(url, dir)).toEqual(['003_c.sql']);
  });

  it('treats CRLF line endings as the same file', async () => {
    await write('001_a.sql', 'CREATE TABLE a (id integer);\nCREATE TABLE b (id integer);\n');
    await migrate(url, dir);
    await write('001_a.sql', 'CREATE TABLE a (id integer);\r\nCREATE TABLE b (id integer);\r\n');
    await expect(verifyMigrations(url, dir)).resolves.toBeUndefined();
    expect(await migrate(url, dir)).toEqual([]);
  });

  it('upgrades a migrations table from before checksums in place, then guards it', async () => {
    await write('001_a.sql', 'CREATE TABLE a (id integer);');
    await write('002_b.sql', 'CREATE TABLE b (id integer);');
    // What the runner wrote before checksums existed.
    await query(
      'CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    await query('CREATE TABLE a (id integer)');
    await query("INSERT INTO schema_migrations (name) VALUES ('001_a.sql')");
    await expect(verifyMigrations(url, dir)).resolves.toBeUndefined();

    expect(await migrate(url, dir)).toEqual(['002_b.sql']);
    expect(await recorded()).toEqual([
      { name: '001_a.sql', checksum: checksumOf('CREATE TABLE a (id integer);') },
      { name: '002_b.sql', checksum: checksumOf('CREATE TABLE b (id integer);') },
    ]);
    await write('001_a.sql', 'CREATE TABLE a (id bigint);');
    await expect(migrate(url, dir)).rejects.toThrow(/migration 001_a\.sql was edited/);
  });

  it('leaves applied migrations without a file alone (older code beside a newer schema)', async () => {
    await write('001_a.sql', 'CREATE TABLE a (id integer);');
    await write('002_b.sql', 'CREATE TABLE b (id integer);');
    await migrate(url, dir);
    await rm(path.join(dir, '002_b.sql'));
    await expect(verifyMigrations(url, dir)).resolves.toBeUndefined();
    expect(await migrate(url, dir)).toEqual([]);
  });

  it('runs each file in one transaction, whatever words its comments hold', async () => {
    // The old runner skipped the transaction for any file that said CONCURRENTLY anywhere.
    await write(
      '001_a.sql',
      '-- Not CREATE INDEX CONCURRENTLY: a plain table.\nCREATE TABLE a (id integer);\nSELECT 1/0;',
    );
    await expect(migrate(url, dir)).rejects.toThrow(/^migration 001_a\.sql failed: division by zero/);
    expect(await query("SELECT 1 FROM pg_tables WHERE tablename = 'a'")).toEqual([]);
    expect(await recorded()).toEqual([]);
  });

  it('runs a file marked "-- migrate: no-transaction" outside a transaction', async () => {
    await write('001_a.sql', 'CREATE TABLE a (id integer);');
    await write(
      '002_index.sql',
      '-- migrate: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS a_id ON a (id);\n',
    );
    expect(await migrate(url, dir)).toEqual(['001_a.sql', '002_index.sql']);
    expect(await query("SELECT indexname FROM pg_indexes WHERE tablename = 'a'")).toEqual([{ indexname: 'a_id' }]);
  });

  it('says how to mark a file whose statement cannot run in a transaction', async () => {
    await write('001_a.sql', 'CREATE TABLE a (id integer);');
    await write('002_index.sql', 'CREATE INDEX CONCURRENTLY a_id ON a (id);');
    await expect(migrate(url, dir)).rejects.toThrow(
      /^migration 002_index\.sql failed: CREATE INDEX CONCURRENTLY cannot run inside a transaction block \(.*"-- migrate: no-transaction"\)$/,
    );
    expect((await recorded()).map((row) => row.name)).toEqual(['001_a.sql']);
  });

  it('refuses an unknown directive rather than guessing', async () => {
    await write('001_a.sql', '-- migrate: notransaction\nCREATE TABLE a (id integer);');
    await expect(migrate(url, dir)).rejects.toThrow(
      'migration 001_a.sql has an unknown directive "notransaction": the only one is "-- migrate: no-transaction"',
    );
  });

  it('applies each file once when several processes boot at once', async () => {
    await write('001_a.sql', 'CREATE TABLE a (id integer);');
    await write('002_b.sql', 'CREATE TABLE b (id integer);');
    const runs = await Promise.all([migrate(url, dir), migrate(url, dir), migrate(url, dir)]);
    expect(runs.flat().sort()).toEqual(['001_a.sql', '002_b.sql']);
  });

  it("records the repository's own migrations, which verify against their files", async () => {
    const files = (await readdir(MIGRATIONS_DIR)).filter((file) => file.endsWith('.sql')).sort();
    expect(await migrate(url)).toEqual(files);
    await expect(verifyMigrations(url)).resolves.toBeUndefined();
    expect((await recorded()).every((row) => row.checksum?.length === 64)).toBe(true);
  });
});

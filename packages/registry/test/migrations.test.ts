import { Writable } from 'node:stream';
import { loadConfig } from '@packhouse/config';
import { MigrationEdited } from '@packhouse/db';
import { createTestDatabase, type TestDatabase } from '@packhouse/testing';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refuseEditedMigrations } from '../src/migrations.ts';

// What the API and the workers check at boot, on a database migrated from this repository.
describe('refuseEditedMigrations', () => {
  let database: TestDatabase;
  const lines: { level: number; msg: string }[] = [];
  const log = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  const configFor = (databaseUrl: string) => loadConfig({ DATABASE_URL: databaseUrl });

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  it('lets a process start on a database whose migrations match their files', async () => {
    await expect(refuseEditedMigrations(configFor(database.url), log)).resolves.toBeUndefined();
  });

  it('refuses to start, naming the file, when an applied migration differs from its file', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    // The database ran other text than the file holds now: the file was edited since.
    await client.query(
      "UPDATE schema_migrations SET checksum = repeat('0', 64) WHERE name = '20261128120000_core.sql'",
    );
    await client.end();
    const refused = await refuseEditedMigrations(configFor(database.url), log).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MigrationEdited);
    expect((refused as MigrationEdited).files).toEqual(['20261128120000_core.sql']);
    expect((refused as Error).message).toMatch(/^migration 20261128120000_core\.sql was edited after it was applied/);
    expect(lines.at(-1)).toMatchObject({
      level: 60,
      msg: expect.stringMatching(/^Refusing to start: migration 20261128120000_core\.sql/),
    });
  });

  it('starts anyway when the database cannot be reached, saying the check was skipped', async () => {
    const unreachable = 'postgres://postgres@127.0.0.1:1/packhouse';
    await expect(refuseEditedMigrations(configFor(unreachable), log)).resolves.toBeUndefined();
    expect(lines.at(-1)).toMatchObject({
      level: 40,
      msg: 'Could not compare the applied migrations with their files; starting anyway.',
    });
  });
});

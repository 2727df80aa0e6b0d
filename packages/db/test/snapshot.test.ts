import { createTestDatabase, type TestDatabase } from '@packhouse/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, snapshot, type Db, type Executor } from '../src/index.ts';

describe('snapshot', () => {
  let database: TestDatabase;
  let db: Db;
  const count = async (executor: Executor) =>
    (await sql<{ n: number }>`SELECT count(*)::integer AS n FROM users`.execute(executor)).rows[0]!.n;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb(database.url);
  });
  afterAll(async () => {
    await db.destroy();
    await database.drop();
  });

  it('keeps seeing the database as of its first read, whatever commits meanwhile', async () => {
    const seen = await snapshot(db, async (tx) => {
      const before = await count(tx);
      await db
        .insertInto('users')
        .values({ name: 'alice', tokenHash: Buffer.alloc(32, 1) })
        .execute();
      return [before, await count(tx)];
    });
    expect(seen).toEqual([0, 0]);
    expect(await count(db)).toBe(1);
  });

  it('refuses writes', async () => {
    await expect(snapshot(db, (tx) => tx.deleteFrom('users').execute())).rejects.toThrow(/read-only transaction/);
  });
});

import { randomBytes } from 'node:crypto';
import { dropDatabase, ensureDatabase, migrate } from '@packhouse/db';
import { postgresUrl } from './services.ts';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own for one test file (on `serverUrl`, by default the tests' server). */
export async function createTestDatabase(serverUrl?: string): Promise<TestDatabase> {
  const server = new URL(serverUrl ?? (await postgresUrl()));
  const name = `packhouse_test_${randomBytes(6).toString('hex')}`;
  const url = new URL(server);
  url.pathname = `/${name}`;
  await ensureDatabase(url.toString());
  await migrate(url.toString());
  return {
    url: url.toString(),
    drop: () => dropDatabase(url.toString()),
  };
}

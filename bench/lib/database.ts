import { dropDatabase, ensureDatabase, migrate } from '@packhouse/db';
import pg from 'pg';

const SERVER = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');

/** Database `name` on the Postgres server of DATABASE_URL (the machine's by default). */
export function benchDatabaseUrl(name: string): string {
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops `url`'s database if a previous run left it, and creates it anew at the latest migration. */
export async function recreateDatabase(url: string): Promise<void> {
  await dropDatabase(url);
  await ensureDatabase(url);
  await migrate(url);
}

/** A connected client for bulk seeding; the caller ends it. */
export async function connectClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

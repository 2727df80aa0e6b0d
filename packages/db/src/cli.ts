import { loadConfig } from '@packhouse/config';
import { ensureDatabase, migrate } from './migrate.ts';

// `npm run migrate`: create the database if needed and apply pending migrations.
const config = loadConfig();
await ensureDatabase(config.databaseUrl);
const applied = await migrate(config.databaseUrl);
console.log(applied.length === 0 ? 'Database is up to date.' : `Applied ${applied.join(', ')}.`);

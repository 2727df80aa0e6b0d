import type { Config } from '@packhouse/config';
import { MigrationEdited, verifyMigrations } from '@packhouse/db';
import type { Logger } from 'pino';

/**
 * At an API's or worker's boot: refuses (throws, naming the file) when a migration applied to
 * the database was edited since. A database that cannot be reached yet is no reason not to
 * start (`/readyz` names it); the check is then only logged as skipped.
 */
export async function refuseEditedMigrations(config: Readonly<Config>, log: Logger): Promise<void> {
  try {
    await verifyMigrations(config.databaseUrl);
  } catch (error) {
    if (error instanceof MigrationEdited) {
      log.fatal({ files: error.files }, `Refusing to start: ${error.message}.`);
      throw error;
    }
    log.warn({ err: error }, 'Could not compare the applied migrations with their files; starting anyway.');
  }
}

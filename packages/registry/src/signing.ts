import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '@packhouse/config';
import { changes, signingKeys, type Db } from '@packhouse/db';
import { Signer } from '@packhouse/signing';
import type { Logger } from 'pino';

/** The process's signing key, and the one-time checks before it signs anything. */
export interface Signing {
  signer: Signer;
  /**
   * Resolves once this key is listed in `signing_keys` and the change feed's epoch is known
   * to be current (a restored database starts a new one before any change is written).
   * Retried on the next call when it failed.
   */
  ready(): Promise<void>;
}

/**
 * SIGNING_KEY when set; otherwise the key in SIGNING_KEY_FILE, created on first start, so
 * `npm start` (and processes sharing its data folder) keep one key across restarts.
 */
export async function loadSigning(config: Readonly<Config>, db: Db, log: Logger): Promise<Signing> {
  const signer = Signer.fromText(
    config.mirrors.signingKey ?? (await readOrCreateKeyFile(config.mirrors.signingKeyFile, log)),
  );
  let done: Promise<void> | undefined;
  return {
    signer,
    ready() {
      done ??= (async () => {
        await signingKeys.registerSigningKey(db, signer.keyid, signer.publicKey);
        if (await changes.startEpochIfRestored(db)) {
          log.warn(
            'Transaction ids went back behind the change feed (a restored database): a new change feed epoch ' +
              'began; mirrors resync from the snapshot.',
          );
        }
      })().catch((error: unknown) => {
        done = undefined;
        throw error;
      });
      return done;
    },
  };
}

async function readOrCreateKeyFile(file: string, log: Logger): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(path.dirname(file), { recursive: true });
  try {
    await writeFile(file, `${Signer.generateText()}\n`, { mode: 0o600, flag: 'wx' });
    log.warn({ file }, 'Created a signing key for release metadata; set SIGNING_KEY in production and keep it safe.');
  } catch (error) {
    // Another process sharing the folder created it first.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFile(file, 'utf8');
}

import pg from 'pg';

/** How often the status is read without a notification: a failed build notifies nothing. */
const FALLBACK_MS = 250;

export interface PublicationWatch {
  /** Resolves with `check()`'s first defined answer, read once per notification (or fallback tick). */
  until<T>(check: () => Promise<T | undefined>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Waits for releases to be published without polling the system being timed. Postgres
 * notifies `packhouse_feeds` when a release is published, on commit
 * (migrations/20261128140000_update_status.sql); the status is read once per notification.
 * The benches used to read it every 10 ms: about 200 queries (or API requests) per core
 * release, whose CPU in the bench, Postgres and (through the API) `npm start` itself came
 * out of the two cores being measured, while the shell baseline had no observer at all.
 */
export async function watchPublications(databaseUrl: string): Promise<PublicationWatch> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('LISTEN packhouse_feeds');
  let wake: (() => void) | undefined;
  client.on('notification', () => wake?.());
  return {
    async until<T>(check: () => Promise<T | undefined>): Promise<T> {
      for (;;) {
        // Armed before the read, so a notification that lands during it is not missed.
        let timer: NodeJS.Timeout | undefined;
        const woken = new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, FALLBACK_MS);
        });
        try {
          const answer = await check();
          if (answer !== undefined) return answer;
          await woken;
        } finally {
          clearTimeout(timer);
          wake = undefined;
        }
      }
    },
    close: () => client.end(),
  };
}

import { dropDatabase } from '@packhouse/db';

/** What a benchmark started: servers to stop and databases to drop, whatever happens. */
export class BenchResources {
  readonly servers = new Set<{ stop(): Promise<void> }>();
  readonly databases: string[] = [];

  async cleanUp(): Promise<void> {
    await Promise.all([...this.servers].map((server) => server.stop().catch(() => {})));
    this.servers.clear();
    for (const url of this.databases.splice(0)) await dropDatabase(url).catch(() => {});
  }
}

/**
 * Runs a benchmark's `main`, bounded in time whatever happens (a stuck run stops the whole
 * benchmark), and cleans up after it: at its end, on SIGINT/SIGTERM, or at the deadline.
 */
export function runBench(name: string, minutes: number, main: () => Promise<void>, cleanUp: () => Promise<void>): void {
  const deadline = setTimeout(() => {
    console.error(`${name} ran for more than ${minutes} minutes; stopping.`);
    void cleanUp().finally(() => process.exit(1));
  }, minutes * 60_000);
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void cleanUp().finally(() => process.exit(130)));

  main()
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    })
    .finally(async () => {
      clearTimeout(deadline);
      await cleanUp();
    });
}

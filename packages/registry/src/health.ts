import { sql } from 'kysely';
import type { Registry } from './context.ts';

export type Dependency = 'postgres' | 'redis' | 's3';

/** Which dependencies do not answer within `timeoutMs`. */
export async function unreachable(registry: Registry, timeoutMs = 2_000): Promise<Dependency[]> {
  const checks: Record<Dependency, () => Promise<unknown>> = {
    postgres: () => sql`SELECT 1`.execute(registry.db),
    redis: () => registry.queue.ping(),
    s3: () => registry.storage.ping(),
  };
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]) =>
      (await withTimeout(check(), timeoutMs)) ? null : (name as Dependency),
    ),
  );
  return results.filter((name): name is Dependency => name !== null);
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

import { client, signUp, type Stack, startStack } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('with Redis and S3 unreachable', () => {
  let stack: Stack;

  beforeAll(async () => {
    // Nothing listens on port 1: every Redis and S3 call fails at once.
    stack = await startStack(
      { REDIS_URL: 'redis://127.0.0.1:1', S3_ENDPOINT: 'http://127.0.0.1:1' },
      { ensureBucket: false },
    );
  });
  afterAll(() => stack.close());

  it('is alive but not ready, naming what is down', async () => {
    const anonymous = client(stack.app);
    expect((await anonymous('GET', '/healthz')).status).toBe(200);
    const ready = await anonymous('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'unavailable', unreachable: ['redis', 's3'] });
  });

  it('still serves its metrics, with no queue figures rather than stale ones', async () => {
    const metrics = await client(stack.app)('GET', '/metrics');
    expect(metrics.status).toBe(200);
    const text = metrics.raw.toString();
    expect(text).toMatch(/^packhouse_queue_oldest_waiting_seconds nan$/im);
    expect(text).not.toMatch(/^packhouse_queue_jobs\{/m);
  });

  it('still records a release, which the reconciler enqueues once Redis is back', async () => {
    const alice = await signUp(stack, 'alice');
    await alice('POST', '/api/v1/projects', {
      name: 'token',
      title: 'Token',
      type: 'module',
      gitUrl: 'file:///srv/token',
    });
    const started = performance.now();
    const queued = await alice('POST', '/api/v1/projects/token/releases', { tag: '8.x-1.0' });
    expect(queued.status).toBe(202);
    expect(performance.now() - started).toBeLessThan(5_000); // the API does not wait for Redis
    const row = await stack.registry.db.selectFrom('releases').select('status').executeTakeFirstOrThrow();
    expect(row.status).toBe('queued');
  });
});

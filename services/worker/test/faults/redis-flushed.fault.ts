import { eventually } from '@packhouse/testing';
import {
  addLargeModule,
  allFinished,
  assertSettled,
  secondsSince,
  startFaultWorld,
  startPrivateRedis,
  type FaultWorld,
  type PrivateRedis,
} from '@packhouse/testing/faults';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TAGS = ['1.0.0', '1.0.1', '1.0.2', '1.0.3', '1.0.4'];

describe('fault: Redis loses every key (FLUSHALL) while releases are queued and building', () => {
  let redis: PrivateRedis;
  let world: FaultWorld;

  beforeAll(async () => {
    // A Redis of this case's own: FLUSHALL must not touch the one other tests share.
    redis = await startPrivateRedis();
    world = await startFaultWorld({ redisUrl: redis.url });
    await addLargeModule(world, { name: 'bulky', megabytes: 8, tags: TAGS });
  });
  afterAll(async () => {
    await world?.close();
    await redis?.stop();
  });

  it('the reconciler re-enqueues from Postgres and every release publishes once', async () => {
    const { registry } = world.stack;
    await world.startWorker({ WORKER_CONCURRENCY: '1' });
    for (const tag of TAGS) {
      expect((await world.maintainer('POST', '/api/v1/projects/bulky/releases', { tag })).status).toBe(202);
    }
    await eventually(
      async () => {
        const statuses = (await registry.db.selectFrom('releases').select('status').execute()).map((row) => row.status);
        return statuses.includes('building') && statuses.includes('queued') ? true : undefined;
      },
      60_000,
      'one release building while others wait',
    );
    await redis.flushAll();
    const flushed = performance.now();
    expect(await registry.queue.queue.getJobCounts('waiting', 'active')).toEqual({ waiting: 0, active: 0 });

    await eventually(
      async () => ((await allFinished(registry)) ? true : undefined),
      120_000,
      'every release to finish',
    );
    const seconds = secondsSince(flushed);
    const settled = await assertSettled(registry);
    expect(settled).toMatchObject({ published: TAGS.length, failed: 0 });
    console.log(
      `[faults] Redis FLUSHALL with ${TAGS.length} releases queued/building: all published ${seconds} s ` +
        `after the flush`,
    );
  });
});

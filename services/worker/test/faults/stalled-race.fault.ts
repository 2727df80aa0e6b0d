import { ARCHIVES_PREFIX } from '@packhouse/storage';
import { eventually } from '@packhouse/testing';
import {
  addLargeModule,
  assertSettled,
  logFields,
  secondsSince,
  startFaultWorld,
  type FaultWorld,
} from '@packhouse/testing/faults';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('fault: two workers race on one release after a stalled-job handover', () => {
  let world: FaultWorld;

  beforeAll(async () => {
    world = await startFaultWorld();
    await addLargeModule(world, { name: 'bulky', megabytes: 16, tags: ['1.0.0'] });
  });
  afterAll(() => world.close());

  it(
    'the job goes to a second worker while the first is frozen; the first, ' +
      'thawed, loses the publish and removes its objects',
    async () => {
      const { registry } = world.stack;
      const first = await world.startWorker();
      expect((await world.maintainer('POST', '/api/v1/projects/bulky/releases', { tag: '1.0.0' })).status).toBe(202);
      await world.s3.waitFor('part', 1);
      // Frozen mid-upload: its lock lapses and the stalled check hands the job over.
      first.signal('SIGSTOP');
      const frozen = performance.now();
      await world.startWorker();
      await eventually(
        async () => {
          const row = await registry.db.selectFrom('releases').select('status').executeTakeFirstOrThrow();
          return row.status === 'published' ? true : undefined;
        },
        120_000,
        'the second worker to publish',
      );
      const handedOver = secondsSince(frozen);

      first.signal('SIGCONT');
      const thawed = performance.now();
      await first.waitForLine((line) => logFields(line)?.msg === 'Release was published by another worker.', 120_000);
      const lost = secondsSince(thawed);

      // The loser cleans up after itself (right after that line): before any sweep, only the
      // published objects stay stored.
      const named = (await registry.db.selectFrom('releaseFiles').select('storageKey').execute())
        .map((row) => row.storageKey)
        .sort();
      await eventually(
        async () => {
          const stored = (await registry.storage.list(ARCHIVES_PREFIX)).sort();
          return JSON.stringify(stored) === JSON.stringify(named) ? true : undefined;
        },
        30_000,
        'the losing worker to remove its objects',
      );
      const settled = await assertSettled(registry);
      expect(settled).toEqual({ published: 1, failed: 0, swept: 0 });
      const row = await registry.db.selectFrom('releases').select('attempts').executeTakeFirstOrThrow();
      expect(row.attempts).toBe(2);
      console.log(
        `[faults] stalled handover race: published by the second worker ${handedOver} s after the first ` +
          `froze; the first lost the race ${lost} s after it thawed and removed its objects`,
      );
    },
  );
});

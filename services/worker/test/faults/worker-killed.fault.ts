import { eventually } from '@packhouse/testing';
import {
  addLargeModule,
  allFinished,
  assertSettled,
  logFields,
  secondsSince,
  startFaultWorld,
  type FaultWorld,
} from '@packhouse/testing/faults';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('fault: a worker is killed (SIGKILL) in the middle of uploading a large archive', () => {
  let world: FaultWorld;

  beforeAll(async () => {
    world = await startFaultWorld();
    await addLargeModule(world, { name: 'bulky', megabytes: 16, tags: ['1.0.0'] });
  });
  afterAll(() => world.close());

  it(
    'a new worker takes the job over once its lock lapses and publishes it ' + 'whole; the leftovers are swept',
    async () => {
      const first = await world.startWorker();
      expect((await world.maintainer('POST', '/api/v1/projects/bulky/releases', { tag: '1.0.0' })).status).toBe(202);
      // One archive is stored, the other is halfway up.
      await world.s3.waitFor('completed', 1);
      first.signal('SIGKILL');
      const killed = performance.now();
      await world.startWorker();

      await eventually(
        async () => ((await allFinished(world.stack.registry)) ? true : undefined),
        120_000,
        'the release to finish',
      );
      const seconds = secondsSince(killed);
      // The killed attempt's finished archive was left behind: a worker's sweeper (run at its
      // start, then hourly; here with ORPHAN_SWEEP_AFTER_MS=0) deletes it now that the release is done.
      const sweeper = await world.startWorker();
      const swept = logFields(
        await sweeper.waitForLine((line) => logFields(line)?.msg === 'Deleted archive objects no release refers to.'),
      );
      expect(swept!.objects).toBeGreaterThanOrEqual(1);
      const settled = await assertSettled(world.stack.registry);
      expect(settled).toEqual({ published: 1, failed: 0, swept: 0 });
      const row = await world.stack.registry.db.selectFrom('releases').select(['attempts']).executeTakeFirstOrThrow();
      expect(row.attempts).toBe(2);
      console.log(
        `[faults] worker killed mid-upload: published ${seconds} s after the kill (lock 3 s); a worker's ` +
          `sweeper deleted ${String(swept!.objects)} orphaned objects`,
      );
    },
  );
});

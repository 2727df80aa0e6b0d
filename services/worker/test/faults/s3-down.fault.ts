import { eventually } from '@packhouse/testing';
import {
  allFinished,
  assertSettled,
  largeModuleRepo,
  secondsSince,
  startFaultWorld,
  type FaultWorld,
} from '@packhouse/testing/faults';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const OUTAGE_MS = 60_000;

function sample(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('fault: the S3 server is stopped mid-upload and started again a minute later', () => {
  let world: FaultWorld;

  beforeAll(async () => {
    world = await startFaultWorld();
    const repo = await largeModuleRepo('bulky', 16, ['1.0.0', '1.0.1']);
    await world.maintainer('POST', '/api/v1/projects', {
      name: 'bulky',
      title: 'Bulky',
      type: 'module',
      gitUrl: repo.url,
    });
  });
  afterAll(() => world.close());

  it('the releases wait out the outage without failing, then publish whole', async () => {
    const worker = await world.startWorker();
    for (const tag of ['1.0.0', '1.0.1']) {
      expect((await world.maintainer('POST', '/api/v1/projects/bulky/releases', { tag })).status).toBe(202);
    }
    await world.s3.waitFor('part', 2);
    await world.s3.kill();
    const stopped = performance.now();

    // Throughout the outage no release fails: the jobs wait, using no attempt.
    const statuses = new Set<string>();
    while (performance.now() - stopped < OUTAGE_MS) {
      for (const row of await world.stack.registry.db.selectFrom('releases').select('status').execute())
        statuses.add(row.status);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect([...statuses].filter((status) => status !== 'queued' && status !== 'building')).toEqual([]);
    const waited = sample(
      await worker.metrics(),
      'packhouse_job_duration_seconds_count{type="package-release",outcome="waiting"}',
    );
    expect(waited).toBeGreaterThan(0);

    await world.s3.start();
    const restarted = performance.now();
    await eventually(
      async () => ((await allFinished(world.stack.registry)) ? true : undefined),
      120_000,
      'the releases to finish',
    );
    const seconds = secondsSince(restarted);
    const settled = await assertSettled(world.stack.registry);
    expect(settled).toMatchObject({ published: 2, failed: 0 });
    console.log(
      `[faults] S3 down ${OUTAGE_MS / 1000} s mid-upload: both releases published ${seconds} s after S3 returned ` +
        `(${waited} attempts waited without counting, ${settled.swept} orphaned objects swept)`,
    );
  });
});

import { eventually } from '@packhouse/testing';
import {
  allFinished,
  assertSettled,
  secondsSince,
  startFaultWorld,
  startPrivatePostgres,
  type FaultWorld,
  type PrivatePostgres,
} from '@packhouse/testing/faults';
import { createRepo } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TAGS = Array.from({ length: 30 }, (_, i) => `1.0.${i}`);
const CLIENTS = 4;
const DOWN_MS = 3_000;

describe('fault: Postgres restarts while the API is under release requests', () => {
  let postgres: PrivatePostgres;
  let world: FaultWorld;

  beforeAll(async () => {
    // A cluster of this case's own: the machine's Postgres serves other tests meanwhile.
    postgres = await startPrivatePostgres();
    world = await startFaultWorld({ postgresUrl: postgres.url });
    const repo = await createRepo({ 'small.info.yml': 'name: Small\ntype: module\ncore_version_requirement: ^10\n' });
    for (const tag of TAGS) repo.tag(tag);
    await world.maintainer('POST', '/api/v1/projects', {
      name: 'small',
      title: 'Small',
      type: 'module',
      gitUrl: repo.url,
    });
  });
  afterAll(async () => {
    await world?.close();
    postgres?.destroy();
  });

  it('requests fail with 503 while it is down, and every release accepted with 202 is published', async () => {
    const { registry } = world.stack;
    await world.startWorker();
    const answers = new Map<number, number>();
    const accepted: string[] = [];
    let restarted = 0;
    let recovered = 0;
    const pending = [...TAGS];
    // Each client requests the next tag; one answered 503 is asked again, as a client would.
    const client = async () => {
      for (let tag = pending.shift(); tag !== undefined;) {
        const { status, body } = await world.maintainer('POST', '/api/v1/projects/small/releases', { tag });
        answers.set(status, (answers.get(status) ?? 0) + 1);
        if (status === 503) {
          expect(body.error.code).toBe('database_unavailable');
          await new Promise((resolve) => setTimeout(resolve, 200));
          continue;
        }
        // 409: an earlier request for it committed although its answer was a 503.
        expect([202, 409]).toContain(status);
        if (status === 202) accepted.push(tag);
        if (status === 202 && restarted > 0 && recovered === 0) recovered = performance.now();
        tag = pending.shift();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const clients = Promise.all(Array.from({ length: CLIENTS }, client));
    await eventually(async () => (accepted.length >= 5 ? true : undefined), 30_000, 'a few releases accepted');
    const stopped = performance.now();
    await postgres.stop();
    await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
    await postgres.start();
    restarted = performance.now();
    await clients;

    expect(answers.get(503)).toBeGreaterThan(0);
    expect([...answers.keys()].sort()).toEqual(expect.arrayContaining([202, 503]));
    await eventually(
      async () => ((await allFinished(registry)) ? true : undefined),
      120_000,
      'every release to finish',
    );
    const seconds = secondsSince(stopped);
    const rows = await registry.db.selectFrom('releases').select(['version', 'status']).execute();
    // None lost: every tag accepted is published, and each tag exists once.
    const published = new Set(rows.filter((row) => row.status === 'published').map((row) => row.version));
    expect(accepted.filter((tag) => !published.has(tag))).toEqual([]);
    expect(rows.map((row) => row.version).sort()).toEqual([...TAGS].sort());
    const settled = await assertSettled(registry);
    expect(settled).toMatchObject({ published: TAGS.length, failed: 0 });
    console.log(
      `[faults] Postgres restarted (${DOWN_MS / 1000} s down) under ${CLIENTS} clients: answers ` +
        `${JSON.stringify(Object.fromEntries(answers))}; ` +
        `requests accepted again ${Math.round((recovered - restarted) / 100) / 10} s after the restart; ` +
        `all ${TAGS.length} releases published ${seconds} s after the stop`,
    );
  });
});

import { packageRelease } from '@packhouse/queue';
import { createRepo, eventually, signUp, type Stack, startStack } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

function sample(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('packaging while S3 is unreachable', () => {
  let stack: Stack;

  beforeAll(async () => {
    // Nothing listens on port 1: every S3 call fails at once; Postgres and Redis are up.
    stack = await startStack({ S3_ENDPOINT: 'http://127.0.0.1:1' }, { ensureBucket: false });
  });
  afterAll(() => stack.close());

  it('waits without using attempts, even on a last attempt, and fails no release', async () => {
    const alice = await signUp(stack, 'alice');
    const repo = await createRepo({ 'token.info.yml': 'name: Token\ntype: module\ncore_version_requirement: ^10\n' });
    repo.tag('1.0.0');
    repo.tag('1.0.1');
    await alice('POST', '/api/v1/projects', { name: 'token', title: 'Token', type: 'module', gitUrl: repo.url });
    for (const tag of ['1.0.0', '1.0.1'])
      expect((await alice('POST', '/api/v1/projects/token/releases', { tag })).status).toBe(202);
    // 1.0.1's job gets a single attempt: were it run, its failure would fail the release.
    const { queue } = stack.registry.queue;
    const last = await stack.registry.db
      .selectFrom('releases')
      .select('id')
      .where('version', '=', '1.0.1')
      .executeTakeFirstOrThrow();
    await queue.remove(packageRelease.jobId(last.id));
    await queue.add(packageRelease.name, { releaseId: last.id }, { jobId: packageRelease.jobId(last.id), attempts: 1 });

    stack.startWorker();
    const waited = () =>
      stack.registry.metrics.registry.metrics().then((text) => ({
        waiting: sample(text, 'packhouse_job_duration_seconds_count{type="package-release",outcome="waiting"}'),
        failed: sample(text, 'packhouse_job_duration_seconds_count{type="package-release",outcome="failed"}'),
      }));
    // Each job has been to the processor and was put back.
    await eventually(async () => ((await waited()).waiting >= 2 ? true : undefined), 30_000, 'both jobs to wait');
    const rows = await stack.registry.db
      .selectFrom('releases')
      .select(['version', 'status'])
      .orderBy('version')
      .execute();
    // 1.0.0 was tried (building) and waits; 1.0.1, on its last attempt, was not even tried.
    expect(rows).toEqual([
      { version: '1.0.0', status: 'building' },
      { version: '1.0.1', status: 'queued' },
    ]);
    expect((await waited()).failed).toBe(0);
    expect(await queue.getJobCounts('failed')).toEqual({ failed: 0 });
  });
});

import { serveMetrics } from '@packhouse/observability';
import { client, createRepo, eventually, signUp, type Stack, startStack } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The value of one series in a Prometheus text exposition; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics', () => {
  let stack: Stack;
  let alice: Awaited<ReturnType<typeof signUp>>;

  beforeAll(async () => {
    stack = await startStack({ USAGE_FLUSH_MS: '60000' });
    alice = await signUp(stack, 'alice');
    const repo = await createRepo({ 'token.info.yml': 'name: Token\ntype: module\ncore_version_requirement: ^10\n' });
    repo.tag('1.0.0');
    await alice('POST', '/api/v1/projects', { name: 'token', title: 'Token', type: 'module', gitUrl: repo.url });
  });
  afterAll(() => stack.close());

  it(
    'counts requests by route pattern and status, jobs, packaged bytes, git ' + 'fetches, feed cache and usage',
    async () => {
      const anonymous = client(stack.app);
      // Queued with no worker: the queue gauges see a waiting job.
      await alice('POST', '/api/v1/projects/token/releases', { tag: '1.0.0' });
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      let text = (await anonymous('GET', '/metrics')).raw.toString();
      expect(sample(text, 'packhouse_queue_jobs{state="waiting"}')).toBe(1);
      expect(sample(text, 'packhouse_queue_oldest_waiting_seconds')).toBeGreaterThanOrEqual(1);

      stack.startWorker();
      const release = await eventually(
        async () => {
          const { body } = await anonymous('GET', '/api/v1/projects/token/releases/1.0.0');
          return body.status === 'published' ? body : undefined;
        },
        60_000,
        '1.0.0 to publish',
      );
      for (let i = 0; i < 3; i++)
        await anonymous('GET', '/release-history/token/current?site_key=site-a&version=1.0.0');
      expect((await anonymous('GET', '/api/v1/projects/nope')).status).toBe(404);

      const response = await anonymous('GET', '/metrics');
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      text = response.raw.toString();
      expect(
        sample(
          text,
          'packhouse_http_requests_total{method="POST",route="/api/v1/projects/:name/releases",status="202"}',
        ),
      ).toBe(1);
      expect(
        sample(text, 'packhouse_http_requests_total{method="GET",route="/api/v1/projects/:name",status="404"}'),
      ).toBe(1);
      expect(
        sample(
          text,
          'packhouse_http_request_duration_seconds_count{method="POST",route="/api/v1/projects/:name/releases",status="202"}',
        ),
      ).toBe(1);
      expect(sample(text, 'packhouse_job_duration_seconds_count{type="package-release",outcome="published"}')).toBe(1);
      const bytes = (type: string) =>
        release.files.find((file: { archiveType: string }) => file.archiveType === type).size;
      expect(sample(text, 'packhouse_packaged_bytes_total{archive_type="tar.gz"}')).toBe(bytes('tar.gz'));
      expect(sample(text, 'packhouse_packaged_bytes_total{archive_type="zip"}')).toBe(bytes('zip'));
      expect(sample(text, 'packhouse_git_fetch_duration_seconds_count{outcome="ok"}')).toBe(1);
      // The first poll renders, the next two are cache hits (answered by the front door).
      expect(sample(text, 'packhouse_feed_cache_requests_total{result="miss"}')).toBe(1);
      expect(sample(text, 'packhouse_feed_cache_requests_total{result="hit"}')).toBe(2);
      // One site counted once, held in memory until the (long) flush interval.
      expect(sample(text, 'packhouse_usage_buffered_polls')).toBe(1);
      expect(sample(text, 'packhouse_queue_jobs{state="waiting"}')).toBe(0);
      expect(sample(text, 'packhouse_queue_oldest_waiting_seconds')).toBe(0);
      expect(sample(text, 'packhouse_db_pool_connections{state="total"}')).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    },
  );

  it('serves the same registry from the small listener of a worker process', async () => {
    const server = await serveMetrics(stack.registry.metrics, 0, '127.0.0.1');
    try {
      const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      expect(sample(text, 'packhouse_job_duration_seconds_count{type="package-release",outcome="published"}')).toBe(1);
      expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

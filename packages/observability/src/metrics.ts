import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry as PromRegistry } from 'prom-client';

/** What a queue looks like right now, read from Redis when /metrics is scraped. */
export interface QueueSnapshot {
  counts: Record<string, number>;
  /** Seconds the oldest waiting job has waited; 0 when none waits. */
  oldestWaitingSeconds: number;
}

export interface PoolSnapshot {
  total: number;
  idle: number;
  waiting: number;
}

export type FeedCacheResult = 'hit' | 'miss' | 'bypass';

export type Metrics = ReturnType<typeof createMetrics>;

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const JOB_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/**
 * One process's metrics, in a registry of its own (tests run several stacks in one
 * process). Gauges of things owned elsewhere (the queue, the Postgres pool, the usage
 * buffer) read them at scrape time through the sources their owners register.
 */
export function createMetrics({ processMetrics = true } = {}) {
  const registry = new PromRegistry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  const sources: {
    queue?: () => Promise<QueueSnapshot>;
    pool?: () => PoolSnapshot;
    usageBuffer?: () => number;
  } = {};

  const httpLabels = ['method', 'route', 'status'] as const;
  const httpRequests = new Counter({
    name: 'packhouse_http_requests_total',
    help:
      'HTTP requests answered by the API ' +
      '(feed cache hits answered by the front door are in packhouse_feed_cache_requests_total)',
    labelNames: httpLabels,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'packhouse_http_request_duration_seconds',
    help: 'Time from request to response, by route pattern and status',
    labelNames: httpLabels,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const feedCache = new Counter({
    name: 'packhouse_feed_cache_requests_total',
    help: 'Update-status feed requests by how the cache answered: hit, miss (rendered), bypass (cache not usable)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  // Bound once: a cache hit is the hottest path of the API.
  const feedCacheBy = {
    hit: feedCache.labels('hit'),
    miss: feedCache.labels('miss'),
    bypass: feedCache.labels('bypass'),
  };
  const jobDuration = new Histogram({
    name: 'packhouse_job_duration_seconds',
    help:
      'Packaging job attempts by job type and outcome ' +
      '(published, unchanged, already-finished, lost-race, refused, failed, waiting)',
    labelNames: ['type', 'outcome'] as const,
    buckets: JOB_BUCKETS,
    registers: [registry],
  });
  const packagedBytes = new Counter({
    name: 'packhouse_packaged_bytes_total',
    help: 'Archive bytes uploaded to S3, by archive type',
    labelNames: ['archive_type'] as const,
    registers: [registry],
  });
  const gitFetch = new Histogram({
    name: 'packhouse_git_fetch_duration_seconds',
    help: 'Time to fetch a tag or branch into the git cache and resolve it, by outcome',
    labelNames: ['outcome'] as const,
    buckets: JOB_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: 'packhouse_queue_jobs',
    help: 'Packaging jobs in Redis by state',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const snapshot = await readQueue();
      // Redis unreachable: no series rather than the last values seen.
      this.reset();
      for (const [state, count] of Object.entries(snapshot?.counts ?? {})) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'packhouse_queue_oldest_waiting_seconds',
    help: 'Age of the oldest packaging job waiting for a worker',
    registers: [registry],
    async collect() {
      const snapshot = await readQueue();
      // Unknown (Redis unreachable) is NaN, not a reassuring 0.
      this.set(snapshot ? snapshot.oldestWaitingSeconds : Number.NaN);
    },
  });
  new Gauge({
    name: 'packhouse_usage_buffered_polls',
    help: 'Usage polls held in memory, not yet written to Postgres',
    registers: [registry],
    collect() {
      if (sources.usageBuffer) this.set(sources.usageBuffer());
    },
  });
  new Gauge({
    name: 'packhouse_db_pool_connections',
    help: 'Postgres pool of this process: total and idle connections, and queries waiting for one',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const pool = sources.pool?.();
      if (!pool) return;
      for (const state of ['total', 'idle', 'waiting'] as const) this.set({ state }, pool[state]);
    },
  });

  // Both queue gauges are read in one scrape; Redis is asked once. Unreachable: no value.
  let reading: Promise<QueueSnapshot | undefined> | null = null;
  function readQueue(): Promise<QueueSnapshot | undefined> {
    if (!sources.queue) return Promise.resolve(undefined);
    reading ??= sources
      .queue()
      .catch(() => undefined)
      .finally(() => setImmediate(() => (reading = null)));
    return reading;
  }

  return {
    registry,
    sources,
    request(method: string, route: string, status: number, seconds: number): void {
      const labels = { method, route, status: String(status) };
      httpRequests.inc(labels);
      httpDuration.observe(labels, seconds);
    },
    feedCache(result: FeedCacheResult): void {
      feedCacheBy[result].inc();
    },
    job(type: string, outcome: string, seconds: number): void {
      jobDuration.observe({ type, outcome }, seconds);
    },
    packaged(archiveType: string, bytes: number): void {
      packagedBytes.inc({ archive_type: archiveType }, bytes);
    },
    gitFetched(outcome: 'ok' | 'error', seconds: number): void {
      gitFetch.observe({ outcome }, seconds);
    },
    /** The Prometheus text exposition of every metric. */
    async render(): Promise<{ contentType: string; body: string }> {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

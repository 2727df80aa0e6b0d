export { createMetrics, type FeedCacheResult, type Metrics, type PoolSnapshot, type QueueSnapshot } from './metrics.ts';
export { serveMetrics, type MetricsServer } from './server.ts';
export { createLogger } from './logger.ts';
export { REDACTED_PATHS, REDACTION } from './redaction.ts';

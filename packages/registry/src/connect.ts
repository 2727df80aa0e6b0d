import type { Config } from '@packhouse/config';
import { createDb, poolStats } from '@packhouse/db';
import { createMetrics } from '@packhouse/observability';
import { createPackagingQueue, redisConnection } from '@packhouse/queue';
import { createStorage, startEmbeddedS3, type EmbeddedS3 } from '@packhouse/storage';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from './context.ts';
import { loadSigning } from './signing.ts';

export interface Connected {
  registry: Registry;
  close(): Promise<void>;
}

/**
 * Opens the infrastructure a service needs. With no S3_ENDPOINT, an S3-compatible server
 * is started in this process over S3_DATA_DIR; processes sharing that folder share the data.
 */
export async function connectRegistry(
  config: Readonly<Config>,
  log: Logger,
  role: 'api' | 'worker',
): Promise<Connected> {
  let embedded: EmbeddedS3 | undefined;
  let endpoint = config.s3.endpoint;
  if (endpoint === undefined) {
    embedded = await startEmbeddedS3(config.s3.dataDir);
    endpoint = embedded.endpoint;
    log.info({ endpoint, dir: config.s3.dataDir }, 'Started the embedded S3 server.');
  }
  const storage = createStorage({ ...config.s3, endpoint });
  const db = createDb(config.databaseUrl, {
    onIdleError: (error) => log.warn({ err: error }, 'An idle Postgres connection was lost; it will be replaced.'),
  });
  const redis: Redis = redisConnection(config.redisUrl, role);
  const warn = (error: Error) => log.warn({ err: error }, 'Redis connection error.');
  redis.on('error', warn);
  const queue = createPackagingQueue(redis, config.queuePrefix, warn);
  const metrics = createMetrics();
  metrics.sources.pool = () => poolStats(db);
  metrics.sources.queue = () => queue.snapshot();
  const signing = await loadSigning(config, db, log);
  return {
    registry: { db, queue, storage, config, log, metrics, signing, redis },
    async close() {
      await queue.close();
      redis.disconnect();
      await db.destroy();
      storage.close();
      await embedded?.close();
    },
  };
}

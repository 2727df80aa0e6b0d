import { Redis, type RedisOptions } from 'ioredis';

/**
 * The API fails fast when Redis is down (no offline queue, bounded retries);
 * workers wait for it forever, as BullMQ's production guide asks.
 */
export function redisConnection(url: string, role: 'api' | 'worker'): Redis {
  const options: RedisOptions =
    role === 'api'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000 }
      : { maxRetriesPerRequest: null };
  return new Redis(url, { ...options, lazyConnect: false });
}

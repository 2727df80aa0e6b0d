import { createUsageRecorder, listenForFeedChanges, type Registry, type UsageRecorder } from '@packhouse/registry';
import { FeedCache } from './cache.ts';

/** One API process's feed machinery: the cache, the listener that keeps it fresh, and usage counting. */
export interface Feeds {
  cache: FeedCache;
  usage: UsageRecorder;
  close(): Promise<void>;
}

export async function startFeeds(registry: Registry): Promise<Feeds> {
  const cache = new FeedCache({ maxBytes: registry.config.updateStatus.feedCacheBytes, afterSync: (callback) => listener.afterSync(callback) });
  const listener = listenForFeedChanges(registry, {
    onChange: (project) => cache.changed(project),
    onReset: () => cache.reset(),
  });
  const usage = createUsageRecorder(registry);
  await listener.start();
  return {
    cache,
    usage,
    async close() {
      await listener.close();
      await usage.close();
    },
  };
}

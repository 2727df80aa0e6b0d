import { createUsageRecorder, listenForFeedChanges, type Registry } from '@packhouse/registry';
import { FeedCache } from './cache.ts';
import type { CacheState, Clock, FeedRepresentation } from './representation.ts';

/** One API process's feed machinery: the cache, the listener that keeps it fresh, and usage counting. */
export interface UpdateStatus {
  cache: FeedCache;
  /** Counts a poll that sent both `site_key` and `version` against the feed's project. */
  countPoll(representation: FeedRepresentation, siteKey: string | undefined, version: string | undefined): void;
  /** Counts how the cache answered a feed request (metrics). */
  served(state: CacheState): void;
  close(): Promise<void>;
}

export async function startUpdateStatus(registry: Registry, now?: Clock): Promise<UpdateStatus> {
  const cache = new FeedCache({
    maxBytes: registry.config.updateStatus.feedCacheBytes,
    afterSync: (callback) => listener.afterSync(callback),
    now,
  });
  const listener = listenForFeedChanges(registry, {
    onChange: (project) => cache.changed(project),
    onReset: () => cache.reset(),
  });
  const usage = createUsageRecorder(registry);
  registry.metrics.sources.usageBuffer = () => usage.buffered();
  await listener.start();
  return {
    cache,
    countPoll(representation, siteKey, version) {
      if (representation.projectId !== null && siteKey && version)
        usage.record(representation.projectId, siteKey, version);
    },
    served(state) {
      registry.metrics.feedCache(state);
    },
    async close() {
      await listener.close();
      await usage.close();
    },
  };
}

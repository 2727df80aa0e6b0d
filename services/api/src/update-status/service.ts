import { createUsageRecorder, listenForFeedChanges, type Registry } from '@packhouse/registry';
import { FeedCache } from './cache.ts';
import type { FeedRepresentation } from './representation.ts';

/** One API process's feed machinery: the cache, the listener that keeps it fresh, and usage counting. */
export interface UpdateStatus {
  cache: FeedCache;
  /** Counts a poll that sent both `site_key` and `version` against the feed's project. */
  countPoll(representation: FeedRepresentation, siteKey: string | undefined, version: string | undefined): void;
  close(): Promise<void>;
}

export async function startUpdateStatus(registry: Registry): Promise<UpdateStatus> {
  const cache = new FeedCache({ maxBytes: registry.config.updateStatus.feedCacheBytes, afterSync: (callback) => listener.afterSync(callback) });
  const listener = listenForFeedChanges(registry, {
    onChange: (project) => cache.changed(project),
    onReset: () => cache.reset(),
  });
  const usage = createUsageRecorder(registry);
  await listener.start();
  return {
    cache,
    countPoll(representation, siteKey, version) {
      if (representation.projectId !== null && siteKey && version) usage.record(representation.projectId, siteKey, version);
    },
    async close() {
      await listener.close();
      await usage.close();
    },
  };
}

import type { FeedDocument } from '@packhouse/registry';
import { represent, settle, type CacheState, type Clock, type FeedRepresentation } from './representation.ts';

export interface FeedCacheOptions {
  /** The freshness barrier (ChangeListener.afterSync): calls back once every committed change was seen. */
  afterSync(callback: (error?: Error) => void): void;
  maxBytes: number;
  /** When a withheld Last-Modified may be added; `Date.now` unless a test passes time in. */
  now?: Clock;
}

interface Entry {
  representation: FeedRepresentation;
  /** Null for documents that any project's change can alter (the project list). */
  project: string | null;
  /** Hit since it was stored or last spared: eviction gives it a second chance. */
  used: boolean;
}

/**
 * Rendered feeds in memory, one process's worth, never stale after a committed write:
 * each lookup first passes the listener's barrier, so every change committed before the
 * request has already evicted what it touched. When the barrier fails (listener down) the
 * cache is bypassed and the feed is rendered from Postgres. Renders are shared by
 * concurrent requests and stored only if no change arrived while they ran. Bounded in
 * bytes, evicting the least recently stored entry not hit since (second chance): a hit
 * only sets a flag.
 */
export class FeedCache {
  private readonly entries = new Map<string, Entry>();
  private readonly keysByProject = new Map<string, Set<string>>();
  private readonly crossProject = new Set<string>();
  private readonly inFlight = new Map<string, Promise<FeedRepresentation>>();
  private epoch = 0;
  private bytes = 0;

  private readonly now: Clock;

  constructor(private readonly options: FeedCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Calls back with the cached feed once past the barrier, or with undefined on a miss or
   * when the barrier fails, leaving those to `get`. A callback, not a
   * promise: this is the path of every cache hit.
   */
  lookup(key: string, found: (representation: FeedRepresentation | undefined) => void): void {
    this.options.afterSync((error) => found(error ? undefined : this.hit(key)));
  }

  async get(
    key: string,
    project: string | null,
    load: () => Promise<FeedDocument>,
  ): Promise<{ representation: FeedRepresentation; state: CacheState }> {
    try {
      await new Promise<void>((resolve, reject) =>
        this.options.afterSync((error) => (error ? reject(error) : resolve())),
      );
    } catch {
      return { representation: await represent(await load(), this.now), state: 'bypass' };
    }
    const cached = this.hit(key);
    if (cached) return { representation: cached, state: 'hit' };
    let pending = this.inFlight.get(key);
    if (!pending) {
      const epoch = this.epoch;
      const render: Promise<FeedRepresentation> = load()
        .then((document) => represent(document, this.now))
        .then((representation) => {
          if (this.epoch === epoch)
            this.store(key, representation.scope === undefined ? project : representation.scope, representation);
          return representation;
        })
        .finally(() => {
          if (this.inFlight.get(key) === render) this.inFlight.delete(key);
        });
      this.inFlight.set(key, render);
      pending = render;
    }
    return { representation: await pending, state: 'miss' };
  }

  /**
   * The cached feed, marked as hit since it was stored; undefined when absent. A withheld
   * Last-Modified is added once it can be sent: still cached, the feed has not changed.
   */
  private hit(key: string): FeedRepresentation | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const { settlesAt } = entry.representation;
    if (settlesAt !== null && this.now() >= settlesAt) entry.representation = settle(entry.representation);
    entry.used = true;
    return entry.representation;
  }

  /** A project's data changed: drop its feeds and the cross-project ones. */
  changed(project: string): void {
    this.epoch++;
    this.inFlight.clear();
    for (const key of this.keysByProject.get(project) ?? []) this.evict(key);
    for (const key of [...this.crossProject]) this.evict(key);
  }

  /** Changes may have been missed: drop everything. */
  reset(): void {
    this.epoch++;
    this.inFlight.clear();
    this.entries.clear();
    this.keysByProject.clear();
    this.crossProject.clear();
    this.bytes = 0;
  }

  private store(key: string, project: string | null, representation: FeedRepresentation): void {
    if (representation.bytes > this.options.maxBytes) return;
    this.evict(key);
    // Map order is insertion order: evict from the front, moving entries hit since back once.
    while (this.bytes + representation.bytes > this.options.maxBytes) {
      const oldest = this.entries.entries().next();
      if (oldest.done) break;
      const [oldestKey, entry] = oldest.value;
      if (entry.used) {
        entry.used = false;
        this.entries.delete(oldestKey);
        this.entries.set(oldestKey, entry);
      } else {
        this.evict(oldestKey);
      }
    }
    this.entries.set(key, { representation, project, used: false });
    this.bytes += representation.bytes;
    if (project === null) this.crossProject.add(key);
    else {
      let keys = this.keysByProject.get(project);
      if (!keys) this.keysByProject.set(project, (keys = new Set()));
      keys.add(key);
    }
  }

  private evict(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.representation.bytes;
    if (entry.project === null) this.crossProject.delete(key);
    else {
      const keys = this.keysByProject.get(entry.project);
      keys?.delete(key);
      if (keys?.size === 0) this.keysByProject.delete(entry.project);
    }
  }
}

import { listenForPageChanges, type Registry } from '@packhouse/registry';
/**
 * Usage counts change without a notification (they are weekly figures, flushed every few
 * seconds): a page older than this is rendered again in the background.
 */
const REFRESH_AFTER_MS = 10 * 60_000;
const MAX_ENTRIES = 20_000;

export interface CachedPage {
  body: Buffer;
  etag: string;
  storedAt: number;
  /** A background render of this key is under way. */
  refreshing?: boolean;
}

/**
 * Pages as anonymous visitors see them, rendered once and kept per API process, with the
 * feeds' freshness guarantee: a Postgres trigger notifies every write that changes a
 * project's pages, and every lookup first passes the listener's barrier, so no page is
 * served from before a write that committed before the request arrived. Pages of a project
 * are indexed under its name; the home page and searches list every project, so any change
 * drops them. What changes without a notification (usage and visit counts) is refreshed in
 * the background once a page is ten minutes old, the old page served meanwhile. Signed-in
 * views are never cached.
 */
export class PageCache {
  private readonly entries = new Map<string, CachedPage>();
  private readonly byProject = new Map<string, Set<string>>();
  private readonly listings = new Set<string>();
  private readonly listener: ReturnType<typeof listenForPageChanges>;
  /** Bumped by every eviction: a render that overlapped one is served but not stored. */
  private generation = 0;
  private closed = false;

  constructor(
    registry: Registry,
    private readonly clock = Date.now,
  ) {
    this.listener = listenForPageChanges(registry, {
      onChange: (project) => this.changed(project),
      onReset: () => this.reset(),
    });
  }

  start(): Promise<void> {
    return this.listener.start();
  }

  close(): Promise<void> {
    this.closed = true;
    return this.listener.close();
  }

  /**
   * Resolves once every change committed before the call has evicted its pages; false when freshness cannot be known.
   */
  synced(): Promise<boolean> {
    return new Promise((resolve) => this.listener.afterSync((error) => resolve(error === undefined)));
  }

  get generationNow(): number {
    return this.generation;
  }

  get(key: string): CachedPage | undefined {
    return this.entries.get(key);
  }

  /** Whether a cached page should be rendered again in the background (and nobody is yet). */
  claimRefresh(page: CachedPage): boolean {
    if (this.closed || page.refreshing || this.clock() - page.storedAt < REFRESH_AFTER_MS) return false;
    page.refreshing = true;
    return true;
  }

  /** Stores a render started at `renderedAtGeneration`; `project` names the project it shows, null for listings. */
  set(key: string, project: string | null, page: { body: Buffer; etag: string }, renderedAtGeneration: number): void {
    if (renderedAtGeneration !== this.generation) return;
    if (!this.entries.has(key) && this.entries.size >= MAX_ENTRIES) this.reset();
    this.entries.set(key, { ...page, storedAt: this.clock() });
    if (project === null) this.listings.add(key);
    else {
      let keys = this.byProject.get(project);
      if (!keys) this.byProject.set(project, (keys = new Set()));
      keys.add(key);
    }
  }

  private changed(project: string): void {
    this.generation++;
    for (const key of this.byProject.get(project) ?? []) this.entries.delete(key);
    this.byProject.delete(project);
    for (const key of this.listings) this.entries.delete(key);
    this.listings.clear();
  }

  private reset(): void {
    this.generation++;
    this.entries.clear();
    this.byProject.clear();
    this.listings.clear();
  }
}

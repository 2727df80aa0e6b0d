import { listenForPageChanges, type Registry } from '@packhouse/registry';
/** Usage and visit counts change without a notification: no page is older than this. */
const MAX_AGE_MS = 60_000;
const MAX_ENTRIES = 20_000;

export interface CachedPage {
  body: Buffer;
  etag: string;
  storedAt: number;
}

/**
 * Pages as anonymous visitors see them, rendered once and kept per API process, with the
 * feeds' freshness guarantee: a Postgres trigger notifies every write that changes a
 * project's pages, and every lookup first passes the listener's barrier, so no page is
 * served from before a write that committed before the request arrived. Project pages are
 * keyed under `/project/{name}`; the home page and searches list every project, so any
 * change drops them. Signed-in views are never cached.
 */
export class PageCache {
  private readonly entries = new Map<string, CachedPage>();
  private readonly listener: ReturnType<typeof listenForPageChanges>;
  /** Bumped by every eviction: a render that overlapped one is served but not stored. */
  private generation = 0;

  constructor(registry: Registry, private readonly clock = Date.now) {
    this.listener = listenForPageChanges(registry, {
      onChange: (project) => this.changed(project),
      onReset: () => this.reset(),
    });
  }

  start(): Promise<void> {
    return this.listener.start();
  }

  close(): Promise<void> {
    return this.listener.close();
  }

  /** Resolves once every change committed before the call has evicted its pages; false when freshness cannot be known. */
  synced(): Promise<boolean> {
    return new Promise((resolve) => this.listener.afterSync((error) => resolve(error === undefined)));
  }

  get generationNow(): number {
    return this.generation;
  }

  get(key: string): CachedPage | undefined {
    const entry = this.entries.get(key);
    if (entry && this.clock() - entry.storedAt > MAX_AGE_MS) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(key: string, page: Omit<CachedPage, 'storedAt'>, renderedAtGeneration: number): void {
    if (renderedAtGeneration !== this.generation) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { ...page, storedAt: this.clock() });
  }

  private changed(project: string): void {
    this.generation++;
    const prefix = `/project/${project}`;
    for (const key of this.entries.keys()) {
      if (!key.startsWith('/project/') || key === prefix || key.startsWith(`${prefix}/`) || key.startsWith(`${prefix}?`)) this.entries.delete(key);
    }
  }

  private reset(): void {
    this.generation++;
    this.entries.clear();
  }
}

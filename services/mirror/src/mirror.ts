import type { Logger } from 'pino';
import { ArchiveBatch } from './archive-batch.ts';
import type { MirrorOptions } from './options.ts';
import { Origin, OriginError } from './origin.ts';
import { Progress } from './progress.ts';
import type { ChangeEvent, ChangesPage, OriginFile, Snapshot } from './protocol.ts';
import { Store } from './store.ts';
import { Trust, Untrusted } from './trust.ts';

/** What the mirror keeps between runs, in `.mirror/state.json`. */
export interface MirrorState {
  origin: string;
  epoch: string | null;
  /** Saved only after every event of the page before it was applied (or its object parked). */
  cursor: string | null;
  /** Objects that failed every attempt of a pass; retried on their own at the start of each pass. */
  parked: Record<string, Parked>;
}

export type Parked =
  | { kind: 'archive'; file: OriginFile; reason: string; since: string; passes: number }
  | { kind: 'release'; release: SignedRelease; reason: string; since: string; passes: number }
  | { kind: 'feed'; project: string; versions: string[]; reason: string; since: string; passes: number };

interface SignedRelease {
  project: string;
  version: string;
  revision: number;
  publishedAt: string | null;
  files: OriginFile[];
  signature: ChangeEvent['signature'];
}

export interface PassResult {
  pages: number;
  events: number;
  downloaded: number;
  present: number;
  bytes: number;
  parked: string[];
  resynced: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Keeps `dir` a verified copy of the origin: follows the change feed page by page, downloads
 * and verifies every archive it announces (size, sha256, Ed25519 signature of the release
 * statement against the origin's published keys), rewrites each changed project's
 * release-history XML, and saves the cursor only once the page is applied. One object
 * failing is retried with backoff, then parked, and never holds the others up.
 */
export class Mirror {
  private readonly origin: Origin;
  private readonly store: Store;
  private readonly trust: Trust;
  private state!: MirrorState;
  private stopping = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly options: MirrorOptions,
    private readonly log: Logger,
    private readonly terminal: NodeJS.WriteStream | null = null,
  ) {
    this.origin = new Origin(options.origin, options.concurrency);
    this.store = new Store(options.dir);
    this.trust = new Trust(this.origin);
  }

  /** Passes until stopped (or one, with --once); returns the last pass's result. */
  async run(): Promise<PassResult> {
    await this.store.open();
    try {
      this.state = (await this.store.readState<MirrorState>()) ?? {
        origin: this.options.origin,
        epoch: null,
        cursor: null,
        parked: {},
      };
      if (this.state.origin !== this.options.origin) {
        throw new Error(
          `${this.options.dir} mirrors ${this.state.origin}, not ${this.options.origin}; use another folder.`,
        );
      }
      await this.trust.refresh();
      for (;;) {
        const result = await this.pass();
        if (this.options.once || this.stopping) return result;
        const jitter = 1 + (Math.random() - 0.5) * 0.4;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, this.options.intervalSeconds * 1000 * jitter).unref();
        });
        if (this.stopping) return result;
      }
    } finally {
      this.origin.close();
      await this.store.close();
    }
  }

  /** Finishes the page in hand, then returns from run(). */
  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  async pass(): Promise<PassResult> {
    const progress = new Progress(this.terminal);
    const result: PassResult = {
      pages: 0,
      events: 0,
      downloaded: 0,
      present: 0,
      bytes: 0,
      parked: [],
      resynced: false,
    };
    progress.start();
    try {
      await this.retryParked(progress, result);
      // The next page is fetched while this one's archives download; it is applied only after.
      let prefetched: { since: string | null; page: Promise<ChangesPage> } | undefined;
      while (!this.stopping) {
        let page: ChangesPage;
        const since = this.state.cursor;
        try {
          page = prefetched?.since === since ? await prefetched.page : await this.fetchPage(since);
        } catch (error) {
          if (error instanceof OriginError && error.status === 410) {
            this.log.warn(
              { reason: error.message },
              'The origin no longer has the changes after our cursor; resynchronizing from its snapshot.',
            );
            prefetched = undefined;
            await this.resync(progress, result);
            continue;
          }
          throw error;
        }
        prefetched = undefined;
        if (page.hasMore) {
          prefetched = { since: page.next, page: this.fetchPage(page.next) };
          prefetched.page.catch(() => {}); // handled when awaited
        }
        await this.trust.checkPage(page, since);
        await this.applyEvents(page.events, progress, result);
        await this.store.syncArchives();
        this.state.cursor = page.next;
        this.state.epoch = page.head.epoch;
        await this.store.writeState(this.state);
        result.pages++;
        result.events += page.events.length;
        if (page.events.length > 0 || !this.terminal) {
          this.log.info(
            {
              events: page.events.length,
              has_more: page.hasMore,
              parked: Object.keys(this.state.parked).length,
              progress: progress.line(),
            },
            'Page applied; cursor saved.',
          );
        }
        if (!page.hasMore) break;
      }
    } finally {
      progress.stop();
    }
    result.parked = Object.keys(this.state.parked);
    if (result.parked.length > 0)
      this.log.error(
        { parked: this.state.parked },
        `${result.parked.length} objects are parked; they are retried at every pass.`,
      );
    return result;
  }

  private fetchPage(since: string | null): Promise<ChangesPage> {
    const query = new URLSearchParams({ limit: String(this.options.pageSize), ...(since ? { since } : {}) });
    return this.origin.json<ChangesPage>(`/api/v1/changes?${query}`);
  }

  private async applyEvents(events: ChangeEvent[], progress: Progress, result: PassResult): Promise<void> {
    const releases: SignedRelease[] = [];
    const touched = new Map<string, Set<string>>();
    const deleted = new Set<string>();
    for (const event of events) {
      const versions = touched.get(event.project) ?? new Set<string>();
      touched.set(event.project, versions);
      if (event.type === 'project.deleted') deleted.add(event.project);
      else deleted.delete(event.project);
      if (event.version === null) continue;
      versions.add(event.version);
      releases.push({
        project: event.project,
        version: event.version,
        revision: event.revision,
        publishedAt: event.publishedAt,
        files: event.files,
        signature: event.signature,
      });
    }
    await this.applyReleases(releases, progress, result);
    for (const project of deleted) {
      await this.store.removeProjectFeeds(project);
      touched.delete(project);
    }
    await this.refreshFeeds(touched, deleted.size > 0 || touched.size > 0);
  }

  /**
   * Verifies each release's signature and hands the files of the verified ones to the download
   * slots as it goes, so the first downloads start after one verification, not after all of them.
   */
  private async applyReleases(releases: SignedRelease[], progress: Progress, result: PassResult): Promise<void> {
    const announced = new Map(releases.flatMap((release) => release.files.map((file) => [file.name, file.size])));
    let plannedBytes = [...announced.values()].reduce((sum, size) => sum + size, 0);
    progress.plan(announced.size, plannedBytes);
    const batch = this.archiveBatch(progress, result, this.options.attempts);
    const files = new Map<string, OriginFile>();
    for (const release of releases) {
      const key = `release:${release.project}:${release.version}:${release.revision}`;
      if (!(await this.trust.checkRelease(release))) {
        this.refuse(
          key,
          { kind: 'release', release, reason: 'its signature does not verify against any key the origin publishes' },
          progress,
        );
        continue;
      }
      delete this.state.parked[key];
      for (const file of release.files) {
        const seen = files.get(file.name);
        if (seen && seen.sha256 !== file.sha256) {
          this.refuse(
            `archive:${file.name}`,
            { kind: 'archive', file, reason: `announced with two different sha256 (${seen.sha256}, ${file.sha256})` },
            progress,
          );
          continue;
        }
        if (seen) continue;
        files.set(file.name, file);
        await batch.add(file);
      }
    }
    // The plan counted every announced file; those of refused releases will not come.
    plannedBytes -= [...files.values()].reduce((sum, file) => sum + file.size, 0);
    progress.plan(files.size - announced.size, -plannedBytes);
    await batch.finished();
  }

  private archiveBatch(progress: Progress, result: PassResult, attempts: number): ArchiveBatch {
    const { concurrency, backoffMs } = this.options;
    return new ArchiveBatch(
      this.origin,
      this.store,
      { concurrency, attempts, backoffMs },
      progress,
      {
        mirrored: (file, downloadedBytes) => {
          if (downloadedBytes === null) result.present++;
          else {
            result.downloaded++;
            result.bytes += downloadedBytes;
          }
          delete this.state.parked[`archive:${file.name}`];
        },
        failed: (file, reason) => this.refuse(`archive:${file.name}`, { kind: 'archive', file, reason }, progress),
      },
      this.log,
    );
  }

  /**
   * Rewrites the release-history XML of each project (current, all, and each legacy core it has), and the project
   * list.
   */
  private async refreshFeeds(projects: Map<string, Set<string>>, projectList: boolean): Promise<void> {
    const entries = [...projects];
    let next = 0;
    const worker = async () => {
      while (next < entries.length) {
        const [project, versions] = entries[next++]!;
        await this.refreshProjectFeeds(project, [...versions]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, entries.length) }, worker));
    if (projectList) await this.writeFeed('project-list', 'all');
  }

  private async refreshProjectFeeds(project: string, versions: string[]): Promise<boolean> {
    const key = `feed:${project}`;
    const selectors = new Set(['current', 'all', ...(await this.store.feedSelectorsOf(project))]);
    for (const version of versions) {
      const core = /^(\d+\.x)-/.exec(version)?.[1];
      if (core) selectors.add(core);
    }
    let reason = '';
    for (let attempt = 1; attempt <= this.options.attempts; attempt++) {
      try {
        for (const selector of selectors) await this.writeFeed(project, selector);
        delete this.state.parked[key];
        return true;
      } catch (error) {
        reason = (error as Error).message;
        this.log.warn({ project, attempt, reason }, 'Release history download failed; retrying.');
        if (attempt < this.options.attempts) await sleep(this.options.backoffMs * 2 ** (attempt - 1));
      }
    }
    this.refuse(key, { kind: 'feed', project, versions, reason }, null);
    return false;
  }

  private async writeFeed(project: string, selector: string): Promise<void> {
    const bytes = await this.origin.bytes(
      `/release-history/${encodeURIComponent(project)}/${encodeURIComponent(selector)}`,
    );
    const file = this.store.feedPath(project, selector);
    if (bytes === null) await this.store.removeProjectFeeds(project);
    else await this.store.writeAtomic(file, bytes);
  }

  /** Parks an object (or keeps it parked), reported loudly. */
  private refuse(
    key: string,
    parked: Omit<Parked, 'since' | 'passes'> & Partial<Parked>,
    progress: Progress | null,
  ): void {
    const before = this.state.parked[key];
    this.state.parked[key] = {
      ...parked,
      since: before?.since ?? new Date().toISOString(),
      passes: (before?.passes ?? 0) + 1,
    } as Parked;
    if (progress) progress.parked++;
    this.log.error({ object: key, reason: parked.reason }, `Parked ${key}: ${parked.reason}`);
  }

  /** Each parked object gets one attempt of its own per pass. */
  private async retryParked(progress: Progress, result: PassResult): Promise<void> {
    const parked = Object.entries(this.state.parked);
    if (parked.length === 0) return;
    this.log.info({ parked: parked.length }, 'Retrying parked objects.');
    for (const [key, item] of parked) {
      delete this.state.parked[key];
      if (item.kind === 'archive') {
        progress.plan(1, item.file.size);
        const batch = this.archiveBatch(progress, result, 1);
        await batch.add(item.file);
        await batch.finished();
      } else if (item.kind === 'release') await this.applyReleases([item.release], progress, result);
      else await this.refreshProjectFeeds(item.project, item.versions);
      if (this.state.parked[key])
        this.state.parked[key] = { ...this.state.parked[key]!, since: item.since, passes: item.passes + 1 };
    }
    await this.store.syncArchives();
    await this.store.writeState(this.state);
  }

  /**
   * The cursor is gone (retention or a restore at the origin): apply the signed snapshot,
   * every release and every project's feeds, drop the feeds of projects that no longer
   * exist, and continue from the snapshot's cursor.
   */
  private async resync(progress: Progress, result: PassResult): Promise<void> {
    const snapshot = await this.origin.json<Snapshot>('/api/v1/snapshot');
    await this.trust.checkSnapshot(snapshot);
    const releases = snapshot.projects.flatMap((project) =>
      project.releases.map((release) => ({ ...release, project: project.name })),
    );
    await this.applyReleases(releases, progress, result);
    const names = new Set(snapshot.projects.map((project) => project.name));
    for (const project of await this.store.listFeedProjects())
      if (!names.has(project)) await this.store.removeProjectFeeds(project);
    await this.refreshFeeds(
      new Map(snapshot.projects.map((project) => [project.name, new Set(project.releases.map((r) => r.version))])),
      true,
    );
    await this.store.syncArchives();
    this.state.cursor = snapshot.cursor;
    this.state.epoch = snapshot.epoch;
    await this.store.writeState(this.state);
    result.resynced = true;
    this.log.info(
      { projects: snapshot.projects.length, releases: releases.length },
      'Resynchronized from the snapshot; cursor saved.',
    );
  }
}

export { Untrusted };

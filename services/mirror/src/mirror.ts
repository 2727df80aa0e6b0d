import type { Logger } from 'pino';
import { ArchiveBatch, Transfers } from './archive-batch.ts';
import { ReleaseHistories } from './feeds.ts';
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

/** What one pass carries: its progress, its result, and the download slots its archive batches share. */
interface Pass {
  progress: Progress;
  result: PassResult;
  transfers: Transfers;
}

/** A page whose archives are handed to the download slots, and what remains to apply it. */
interface PageInHand {
  page: ChangesPage;
  archives: ArchiveBatch;
  touched: Map<string, Set<string>>;
  deleted: Set<string>;
}

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
  private readonly histories: ReleaseHistories;
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
    this.histories = new ReleaseHistories(this.origin, this.store, options, log, {
      written: (project) => delete this.state.parked[`feed:${project}`],
      failed: (project, versions, reason) =>
        this.refuse(`feed:${project}`, { kind: 'feed', project, versions, reason }, null),
    });
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
    const pass: Pass = {
      progress: new Progress(this.terminal),
      result: { pages: 0, events: 0, downloaded: 0, present: 0, bytes: 0, parked: [], resynced: false },
      transfers: new Transfers(this.options.concurrency),
    };
    pass.progress.start();
    try {
      await this.retryParked(pass);
      await this.followChanges(pass);
    } finally {
      pass.progress.stop();
    }
    const { result } = pass;
    result.parked = Object.keys(this.state.parked);
    if (result.parked.length > 0)
      this.log.error(
        { parked: this.state.parked },
        `${result.parked.length} objects are parked; they are retried at every pass.`,
      );
    return result;
  }

  /**
   * Applies the change feed page by page up to its head. Two pages overlap: once all of a
   * page's archives are handed to the download slots, the next page is fetched (ahead of time),
   * checked, and its archives follow, while the first finishes (its last archives, its feeds,
   * the archive folder's fsync, its cursor). Cursors are saved in order, each once its page is
   * applied.
   */
  private async followChanges(pass: Pass): Promise<void> {
    let since = this.state.cursor;
    let prefetched: { since: string | null; page: Promise<ChangesPage> } | undefined;
    let finishing: Promise<void> = Promise.resolve();
    try {
      while (!this.stopping) {
        let page: ChangesPage;
        try {
          page = prefetched?.since === since ? await prefetched.page : await this.fetchPage(since);
        } catch (error) {
          if (!(error instanceof OriginError && error.status === 410)) throw error;
          this.log.warn(
            { reason: error.message },
            'The origin no longer has the changes after our cursor; resynchronizing from its snapshot.',
          );
          prefetched = undefined;
          await finishing;
          await this.resync(pass);
          since = this.state.cursor;
          continue;
        }
        prefetched = undefined;
        if (page.hasMore) {
          prefetched = { since: page.next, page: this.fetchPage(page.next) };
          prefetched.page.catch(() => {}); // handled when awaited
        }
        await this.trust.checkPage(page, since);
        const inHand = await this.startPage(page, pass);
        await finishing;
        finishing = this.finishPage(inHand, pass);
        finishing.catch(() => {}); // awaited before the next page's, or below
        since = page.next;
        if (!page.hasMore) break;
      }
    } finally {
      // The page before stays applied, its cursor saved, whatever became of the one after it.
      await finishing;
    }
  }

  private fetchPage(since: string | null): Promise<ChangesPage> {
    const query = new URLSearchParams({ limit: String(this.options.pageSize), ...(since ? { since } : {}) });
    return this.origin.json<ChangesPage>(`/api/v1/changes?${query}`);
  }

  /** Verifies the page's releases and hands their archives to the download slots. */
  private async startPage(page: ChangesPage, pass: Pass): Promise<PageInHand> {
    const releases: SignedRelease[] = [];
    const touched = new Map<string, Set<string>>();
    const deleted = new Set<string>();
    for (const event of page.events) {
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
    return { page, archives: await this.handOver(releases, pass), touched, deleted };
  }

  /** The rest of a page once its archives are in place: its feeds, the archive folder's fsync, then its cursor. */
  private async finishPage({ page, archives, touched, deleted }: PageInHand, pass: Pass): Promise<void> {
    await archives.finished();
    for (const project of deleted) {
      await this.store.removeProjectFeeds(project);
      touched.delete(project);
    }
    await this.histories.refresh(touched, deleted.size > 0 || touched.size > 0);
    await this.store.syncArchives();
    this.state.cursor = page.next;
    this.state.epoch = page.head.epoch;
    await this.store.writeState(this.state);
    pass.result.pages++;
    pass.result.events += page.events.length;
    if (page.events.length > 0 || !this.terminal) {
      this.log.info(
        {
          events: page.events.length,
          has_more: page.hasMore,
          parked: Object.keys(this.state.parked).length,
          progress: pass.progress.line(),
        },
        'Page applied; cursor saved.',
      );
    }
  }

  private async applyReleases(releases: SignedRelease[], pass: Pass): Promise<void> {
    await (await this.handOver(releases, pass)).finished();
  }

  /**
   * Verifies each release's signature and hands the files of the verified ones to the download
   * slots as it goes, so the first downloads start after one verification, not after all of them.
   * Resolves once every file is handed over; the batch says when they are in place.
   */
  private async handOver(releases: SignedRelease[], pass: Pass): Promise<ArchiveBatch> {
    const { progress } = pass;
    const announced = new Map(releases.flatMap((release) => release.files.map((file) => [file.name, file.size])));
    let plannedBytes = [...announced.values()].reduce((sum, size) => sum + size, 0);
    progress.plan(announced.size, plannedBytes);
    const batch = this.archiveBatch(pass, this.options.attempts);
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
    return batch;
  }

  private archiveBatch({ progress, result, transfers }: Pass, attempts: number): ArchiveBatch {
    return new ArchiveBatch(
      transfers,
      this.origin,
      this.store,
      { attempts, backoffMs: this.options.backoffMs },
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
  private async retryParked(pass: Pass): Promise<void> {
    const parked = Object.entries(this.state.parked);
    if (parked.length === 0) return;
    this.log.info({ parked: parked.length }, 'Retrying parked objects.');
    for (const [key, item] of parked) {
      delete this.state.parked[key];
      if (item.kind === 'archive') {
        pass.progress.plan(1, item.file.size);
        const batch = this.archiveBatch(pass, 1);
        await batch.add(item.file);
        await batch.finished();
      } else if (item.kind === 'release') await this.applyReleases([item.release], pass);
      else await this.histories.refreshProject(item.project, item.versions);
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
  private async resync(pass: Pass): Promise<void> {
    const snapshot = await this.origin.json<Snapshot>('/api/v1/snapshot');
    await this.trust.checkSnapshot(snapshot);
    const releases = snapshot.projects.flatMap((project) =>
      project.releases.map((release) => ({ ...release, project: project.name })),
    );
    await this.applyReleases(releases, pass);
    const names = new Set(snapshot.projects.map((project) => project.name));
    for (const project of await this.store.listFeedProjects())
      if (!names.has(project)) await this.store.removeProjectFeeds(project);
    await this.histories.refresh(
      new Map(snapshot.projects.map((project) => [project.name, new Set(project.releases.map((r) => r.version))])),
      true,
    );
    await this.store.syncArchives();
    this.state.cursor = snapshot.cursor;
    this.state.epoch = snapshot.epoch;
    await this.store.writeState(this.state);
    pass.result.resynced = true;
    this.log.info(
      { projects: snapshot.projects.length, releases: releases.length },
      'Resynchronized from the snapshot; cursor saved.',
    );
  }
}

export { Untrusted };

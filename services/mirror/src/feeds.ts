import type { Logger } from 'pino';
import type { MirrorOptions } from './options.ts';
import type { Origin } from './origin.ts';
import type { Store } from './store.ts';

/** What becomes of a project's release histories: all written, or failed for good (the mirror parks them). */
export interface HistoryOutcomes {
  written(project: string): void;
  failed(project: string, versions: string[], reason: string): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The release-history XML the mirror serves: each changed project's `current`, `all` and one
 * per legacy core it has, and the project list, fetched from the origin and written atomically.
 * A project whose histories fail every attempt is reported failed; the others go on.
 */
export class ReleaseHistories {
  constructor(
    private readonly origin: Origin,
    private readonly store: Store,
    private readonly options: Pick<MirrorOptions, 'concurrency' | 'attempts' | 'backoffMs'>,
    private readonly log: Logger,
    private readonly outcomes: HistoryOutcomes,
  ) {}

  /** Rewrites the histories of each project (`concurrency` projects at once), then the project list if asked. */
  async refresh(projects: Map<string, Set<string>>, projectList: boolean): Promise<void> {
    const entries = [...projects];
    let next = 0;
    const worker = async () => {
      while (next < entries.length) {
        const [project, versions] = entries[next++]!;
        await this.refreshProject(project, [...versions]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, entries.length) }, worker));
    if (projectList) await this.write('project-list', 'all');
  }

  async refreshProject(project: string, versions: string[]): Promise<boolean> {
    const selectors = new Set(['current', 'all', ...(await this.store.feedSelectorsOf(project))]);
    for (const version of versions) {
      const core = /^(\d+\.x)-/.exec(version)?.[1];
      if (core) selectors.add(core);
    }
    let reason = '';
    for (let attempt = 1; attempt <= this.options.attempts; attempt++) {
      try {
        for (const selector of selectors) await this.write(project, selector);
        this.outcomes.written(project);
        return true;
      } catch (error) {
        reason = (error as Error).message;
        this.log.warn({ project, attempt, reason }, 'Release history download failed; retrying.');
        if (attempt < this.options.attempts) await sleep(this.options.backoffMs * 2 ** (attempt - 1));
      }
    }
    this.outcomes.failed(project, versions, reason);
    return false;
  }

  private async write(project: string, selector: string): Promise<void> {
    const bytes = await this.origin.bytes(
      `/release-history/${encodeURIComponent(project)}/${encodeURIComponent(selector)}`,
    );
    const file = this.store.feedPath(project, selector);
    if (bytes === null) await this.store.removeProjectFeeds(project);
    else await this.store.writeAtomic(file, bytes);
  }
}

import { ChangeListener, updateStatus, type FeedListRow, type FeedReleaseRow, type FeedSourceRow } from '@packhouse/db';
import {
  renderNotFound,
  renderProjectList,
  renderReleaseHistory,
  type FeedProject,
  type FeedRelease,
  type FeedSelector,
} from '@packhouse/update-status';
import type { Registry } from './context.ts';
import { MACHINE_NAME } from './projects.ts';
import { RELEASE_TYPES } from './releases.ts';
import { downloadUrl } from './views.ts';

/** A rendered update-status document; 404s carry updates.drupal.org's error body. */
export interface FeedDocument {
  status: 200 | 404;
  /** The project a release history belongs to (usage is counted against it); null otherwise. */
  projectId: string | null;
  xml: string;
  lastModified: Date | null;
  /** When the read began, by the clock that stamped `lastModified`; null without one. */
  readAt: Date | null;
  /** The body's media type when it is not update-status XML (the Composer repository's JSON). */
  contentType?: string;
  /** Cache-Control of a 200 when not the update feed's. */
  cacheControl?: string;
  /**
   * The project whose changes evict this document, when only the read could tell (a
   * sub-module's metapackage belongs to its parent); null: any project's change does.
   */
  scope?: string | null;
}

export function feedNotFound(name: string): FeedDocument {
  return { status: 404, projectId: null, xml: renderNotFound(name), lastModified: null, readAt: null };
}

/** `/release-history/{name}/{selector}`, read from Postgres in one statement and rendered. */
export async function releaseHistory(registry: Registry, name: string, selector: FeedSelector): Promise<FeedDocument> {
  if (!MACHINE_NAME.test(name)) return feedNotFound(name);
  const source = await updateStatus.findFeedSource(registry.db, name);
  if (!source) return feedNotFound(name);
  const { publicUrl } = registry.config;
  const xml = renderReleaseHistory(
    feedProject(publicUrl, source),
    source.releases.map((release) => feedRelease(publicUrl, source.name, release)),
    selector,
  );
  return {
    status: 200,
    projectId: source.id,
    xml,
    lastModified: new Date(source.changedAt),
    readAt: new Date(source.readAt),
  };
}

/** `/release-history/project-list/all`: every project, last modified when any of them changed. */
export async function projectListFeed(registry: Registry): Promise<FeedDocument> {
  const rows = await updateStatus.listFeedProjects(registry.db);
  const { publicUrl } = registry.config;
  const xml = renderProjectList(rows.map((row) => ({ ...feedProject(publicUrl, row), apiVersions: apiVersions(row) })));
  const lastModified = rows.reduce<Date | null>((latest, row) => {
    const changed = new Date(row.changedAt);
    return latest === null || changed > latest ? changed : latest;
  }, null);
  return { status: 200, projectId: null, xml, lastModified, readAt: rows[0] ? new Date(rows[0].readAt) : null };
}

function projectLink(publicUrl: string, name: string): string {
  return `${publicUrl}/project/${name}`;
}

function feedProject(
  publicUrl: string,
  row: Pick<FeedSourceRow, 'name' | 'title' | 'type' | 'status' | 'creator'> &
    Partial<Pick<FeedSourceRow, 'securityCoverage' | 'supportedBranches'>>,
): FeedProject {
  return {
    name: row.name,
    title: row.title,
    type: row.type,
    creator: row.creator ?? '',
    status: row.status,
    securityCoverage: row.securityCoverage ?? false,
    link: projectLink(publicUrl, row.name),
    supportedBranches: row.supportedBranches ?? [],
  };
}

function feedRelease(publicUrl: string, project: string, row: FeedReleaseRow): FeedRelease {
  return {
    version: row.version,
    tag: row.tag,
    status: row.feedStatus,
    insecure: row.insecure,
    releaseTypes: row.releaseTypes.filter((type): type is FeedRelease['releaseTypes'][number] =>
      (RELEASE_TYPES as readonly string[]).includes(type),
    ),
    releaseLink: `${projectLink(publicUrl, project)}/releases/${encodeURIComponent(row.version)}`,
    date: Number(row.date),
    coreCompatibility: row.coreCompatibility,
    files: row.files.map((file) => ({
      url: downloadUrl(publicUrl, file.name),
      archiveType: file.archiveType,
      md5: file.md5,
      size: Number(file.size),
      filedate: Number(file.filedate),
      ...(file.variant !== null && { variant: file.variant }),
    })),
  };
}

// Legacy cores ascending (numerically), then `current` for Drupal 8+ releases; an `8.x-`
// release is also in the current feed.
function apiVersions(row: FeedListRow): string[] {
  const cores = row.apiVersions.filter((api) => api !== 'current');
  const current = row.apiVersions.includes('current') || cores.includes('8.x');
  cores.sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  return current ? [...cores, 'current'] : cores;
}

/** The channel the feed triggers notify on (migrations/20261128140000_update_status.sql). */
const FEED_CHANNEL = 'packhouse_feeds';

/**
 * A LISTEN connection that reports which project's feeds changed, for a process that
 * caches feeds; `sync()` on it is the freshness barrier (see packages/db/src/listener.ts).
 */
export function listenForFeedChanges(
  registry: Registry,
  handlers: { onChange(project: string): void; onReset(): void },
): ChangeListener {
  return new ChangeListener({
    databaseUrl: registry.config.databaseUrl,
    channel: FEED_CHANNEL,
    log: registry.log,
    // Every cached feed and p2 answer waits for a round trip: two lanes keep one leaving while the other returns.
    lanes: 2,
    ...handlers,
  });
}

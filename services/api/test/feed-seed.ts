import { createHash } from 'node:crypto';
import { files, projects, releases, type FeedStatus } from '@packhouse/db';
import type { Registry } from '@packhouse/registry';
import { sql } from 'kysely';

export interface SeedRelease {
  version: string;
  /** Unix seconds of the tag commit: the feed's `date`. */
  commitTime: number;
  releaseTypes?: string[];
  coreCompatibility?: string | null;
  feedStatus?: FeedStatus;
  insecure?: boolean;
  /** Build status; only `published` releases have archives and appear in feeds. */
  status?: 'queued' | 'building' | 'published' | 'failed';
  /** Archives to record (default both). */
  archives?: ('tar.gz' | 'zip')[];
}

const hex = (seed: string, algorithm: string) => createHash(algorithm).update(seed).digest('hex');

/**
 * A release row with archive rows, written through the repositories as the publish
 * transaction would, without packaging: for tests that need many or unusual releases.
 * Sizes and hashes are derived from the file name, file dates are commitTime + 60.
 */
export async function seedRelease(registry: Registry, projectName: string, release: SeedRelease): Promise<void> {
  const project = await projects.findProjectByName(registry.db, projectName);
  if (!project) throw new Error(`no project ${projectName}`);
  const status = release.status ?? 'published';
  await registry.db.transaction().execute(async (tx) => {
    const row = await releases.insertRelease(tx, {
      projectId: project.id,
      version: release.version,
      tag: release.version.endsWith('-dev') ? release.version.slice(0, -4) : release.version,
      status,
      commit: status === 'published' ? hex(release.version, 'sha1') : null,
      commitTime: new Date(release.commitTime * 1000),
      publishedAt: status === 'published' ? new Date((release.commitTime + 60) * 1000) : null,
      releaseTypes: release.releaseTypes ?? [],
      coreCompatibility: release.coreCompatibility ?? null,
      feedStatus: release.feedStatus,
      insecure: release.insecure,
    });
    if (!row) throw new Error(`${projectName} ${release.version} exists`);
    if (status !== 'published') return;
    await files.insertFiles(
      tx,
      (release.archives ?? ['tar.gz', 'zip']).map((archiveType) => {
        const name = `${projectName}-${release.version}.${archiveType}`;
        return {
          releaseId: row.id,
          name,
          archiveType,
          storageKey: `archives/seed/${name}`,
          size: fakeSize(name),
          md5: hex(name, 'md5'),
          sha1: hex(name, 'sha1'),
          sha256: hex(name, 'sha256'),
          sha512: hex(name, 'sha512'),
          createdAt: new Date((release.commitTime + 60) * 1000),
        };
      }),
    );
  });
}

export function fakeSize(name: string): number {
  return 10_000 + (Number.parseInt(hex(name, 'md5').slice(0, 6), 16) % 90_000);
}

/**
 * Moves the recorded feed changes of `projectNames` `seconds` into the past, as if they were
 * seeded that long ago: their feeds carry a Last-Modified from the first read, and the next
 * change falls in a later second. No notification goes out: call it before they are read.
 */
export async function backdateFeedChanges(registry: Registry, projectNames: string[], seconds = 10): Promise<void> {
  await sql`UPDATE feed_changes SET changed_at = changed_at - make_interval(secs => ${seconds})
    WHERE project_id IN (SELECT id FROM projects WHERE name = ANY(${projectNames}))`.execute(registry.db);
}

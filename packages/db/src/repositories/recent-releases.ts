import { sql } from 'kysely';
import type { Executor } from '../connection.ts';

export interface RecentReleaseRow {
  project: string;
  projectTitle: string;
  version: string;
  publishedAt: Date;
  updatedAt: Date;
  insecure: boolean;
  releaseTypes: string[];
  files: { name: string; archiveType: string; size: number; sha256: string }[];
  /** The annotated tag's message (migration 20261130110100). */
  notes: string | null;
}

/** The newest published releases shown in feeds (of one project, or of all), newest first. */
export async function listRecentReleases(
  db: Executor,
  { project, limit }: { project?: string; limit: number },
): Promise<RecentReleaseRow[]> {
  const { rows } = await sql<RecentReleaseRow>`
    SELECT p.name AS project, p.title AS project_title, r.version, r.published_at, r.updated_at, r.insecure, r.release_types,
           coalesce((SELECT jsonb_agg(jsonb_build_object('name', f.name, 'archiveType', f.archive_type, 'size', f.size, 'sha256', f.sha256) ORDER BY f.name)
                       FROM release_files f
                      WHERE f.release_id = r.id AND f.build_id IS NOT DISTINCT FROM r.current_build_id), '[]'::jsonb) AS files,
           (SELECT n.message FROM release_notes n WHERE n.release_id = r.id) AS notes
      FROM releases r JOIN projects p ON p.id = r.project_id
     WHERE r.status = 'published' AND r.feed_status = 'published'
       ${project === undefined ? sql`` : sql`AND p.name = ${project}`}
     ORDER BY r.published_at DESC, r.id DESC
     LIMIT ${limit}`.execute(db);
  return rows;
}

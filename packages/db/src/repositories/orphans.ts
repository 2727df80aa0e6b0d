import { sql } from 'kysely';
import type { Executor } from '../connection.ts';

export interface ArchiveObject {
  key: string;
  project: string;
  version: string;
}

/**
 * Of these archive objects, the keys that must stay: a release file names the key, or the
 * release the key was written for is still being built (an attempt may be between its
 * upload and its publishing transaction). One statement reads both against one snapshot:
 * the publishing transaction flips the status and inserts the file rows together.
 */
export async function keysToKeep(db: Executor, objects: ArchiveObject[]): Promise<Set<string>> {
  if (objects.length === 0) return new Set();
  const keys = objects.map((o) => o.key);
  const projects = objects.map((o) => o.project);
  const versions = objects.map((o) => o.version);
  const { rows } = await sql<{ key: string }>`
    SELECT o.key
    FROM unnest(${keys}::text[], ${projects}::text[], ${versions}::text[]) AS o(key, project, version)
    WHERE EXISTS (SELECT 1 FROM release_files f WHERE f.storage_key = o.key)
       OR EXISTS (
         SELECT 1 FROM releases r JOIN projects p ON p.id = r.project_id
         WHERE p.name = o.project AND r.version = o.version
           AND (r.status IN ('queued', 'building')
                OR EXISTS (SELECT 1 FROM builds b WHERE b.release_id = r.id AND b.status IN ('queued', 'building')))
       )`.execute(db);
  return new Set(rows.map((row) => row.key));
}

import type { Insertable, Selectable } from 'kysely';
import type { Executor, Tx } from '../connection.ts';
import type { ReleaseFilesTable } from '../schema.ts';

export type ReleaseFileRow = Selectable<ReleaseFilesTable>;

export async function insertFiles(tx: Tx, files: Insertable<ReleaseFilesTable>[]): Promise<void> {
  if (files.length > 0) await tx.insertInto('releaseFiles').values(files).execute();
}

export function listFiles(db: Executor, releaseIds: string[]): Promise<ReleaseFileRow[]> {
  if (releaseIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('releaseFiles')
    .selectAll()
    .where('releaseId', 'in', releaseIds)
    .orderBy('releaseId')
    .orderBy('archiveType')
    .execute();
}

/** A downloadable file: only files of published releases are ever served. */
export function findPublishedFile(db: Executor, name: string): Promise<ReleaseFileRow | undefined> {
  return db
    .selectFrom('releaseFiles')
    .innerJoin('releases', 'releases.id', 'releaseFiles.releaseId')
    .selectAll('releaseFiles')
    .where('releaseFiles.name', '=', name)
    .where('releases.status', '=', 'published')
    .executeTakeFirst();
}

/** The files of a dev release's newest build, by archive type. */
export function listBuildFiles(db: Executor, buildId: string): Promise<ReleaseFileRow[]> {
  return db.selectFrom('releaseFiles').selectAll().where('buildId', '=', buildId).orderBy('archiveType').execute();
}

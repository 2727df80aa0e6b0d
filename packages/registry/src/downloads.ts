import { files, projects, releases, type ReleaseFileRow } from '@packhouse/db';
import { contentTypeOf, IMMUTABLE_CACHE_CONTROL, type StoredObject } from '@packhouse/storage';
import type { Registry } from './context.ts';
import { notFound } from './errors.ts';
import { downloadUrl } from './views.ts';

export type Download =
  | { kind: 'file'; file: ReleaseFileRow; contentType: string; cacheControl: string; open(): Promise<StoredObject> }
  /** A dev release's stable name: it moves to each new build's immutable file. */
  | { kind: 'latest'; file: ReleaseFileRow; location: string };

/** A published archive by its file name; what is not published does not exist to downloaders. */
export async function findDownload(registry: Registry, name: string): Promise<Download> {
  const file = await files.findPublishedFile(registry.db, name);
  if (file) {
    return {
      kind: 'file',
      file,
      contentType: contentTypeOf(file.name),
      cacheControl: IMMUTABLE_CACHE_CONTROL,
      async open() {
        const object = await registry.storage.get(file.storageKey);
        if (!object) throw new Error(`archive ${file.storageKey} is missing from the bucket`);
        return object;
      },
    };
  }
  const latest = await newestDevBuildFile(registry, name);
  if (latest) return { kind: 'latest', file: latest, location: downloadUrl(registry.config.publicUrl, latest.name) };
  throw notFound(`No file named "${name}".`);
}

/** `{project}-{branch}-dev.tar.gz` (machine names hold no `-`) → the newest build's file. */
async function newestDevBuildFile(registry: Registry, name: string): Promise<ReleaseFileRow | undefined> {
  const match = /^([a-z][a-z0-9_]*)-(.+-dev)\.(tar\.gz|zip)$/.exec(name);
  if (!match) return undefined;
  const [, projectName, version, archiveType] = match;
  const project = await projects.findProjectByName(registry.db, projectName!);
  const release = project && (await releases.findRelease(registry.db, project.id, version!));
  if (!release || release.kind !== 'dev' || release.currentBuildId === null) return undefined;
  const current = await files.listBuildFiles(registry.db, release.currentBuildId);
  return current.find((file) => file.archiveType === archiveType);
}

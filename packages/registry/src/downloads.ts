import { files, type ReleaseFileRow } from '@packhouse/db';
import type { StoredObject } from '@packhouse/storage';
import type { Registry } from './context.ts';
import { notFound } from './errors.ts';

export interface Download {
  file: ReleaseFileRow;
  open(): Promise<StoredObject>;
}

/** A published archive by its file name; what is not published does not exist to downloaders. */
export async function findDownload(registry: Registry, name: string): Promise<Download> {
  const file = await files.findPublishedFile(registry.db, name);
  if (!file) throw notFound(`No file named "${name}".`);
  return {
    file,
    async open() {
      const object = await registry.storage.get(file.storageKey);
      if (!object) throw new Error(`archive ${file.storageKey} is missing from the bucket`);
      return object;
    },
  };
}

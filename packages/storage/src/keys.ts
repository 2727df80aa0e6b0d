import { randomUUID } from 'node:crypto';

/**
 * The one place that knows the bucket's layout. Every packaging attempt writes under a key
 * of its own (a fresh build id), so a key, once written, is never written again: a retry
 * or a racing worker cannot overwrite bytes that someone may already have downloaded.
 */
export const keys = {
  newBuildId(): string {
    return randomUUID();
  },
  archive(project: string, version: string, buildId: string, fileName: string): string {
    for (const part of [project, version, buildId, fileName]) {
      if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(part) || part.includes('..'))
        throw new Error(`unsafe key part: ${part}`);
    }
    return `archives/${project}/${version}/${buildId}/${fileName}`;
  },
};

export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

export function contentTypeOf(fileName: string): string {
  if (fileName.endsWith('.tar.gz')) return 'application/gzip';
  if (fileName.endsWith('.zip')) return 'application/zip';
  return 'application/octet-stream';
}

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
    return `${ARCHIVES_PREFIX}${project}/${version}/${buildId}/${fileName}`;
  },
  /** The project and version an archive key was written for; undefined for any other key. */
  archiveOwner(key: string): { project: string; version: string } | undefined {
    if (!key.startsWith(ARCHIVES_PREFIX)) return undefined;
    const parts = key.slice(ARCHIVES_PREFIX.length).split('/');
    if (parts.length !== 4) return undefined;
    return { project: parts[0]!, version: parts[1]! };
  },
};

/** Every packaged archive lives under this prefix. */
export const ARCHIVES_PREFIX = 'archives/';

export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

export function contentTypeOf(fileName: string): string {
  if (fileName.endsWith('.tar.gz')) return 'application/gzip';
  if (fileName.endsWith('.zip')) return 'application/zip';
  if (fileName.endsWith('.cdx.json')) return 'application/vnd.cyclonedx+json';
  return 'application/octet-stream';
}

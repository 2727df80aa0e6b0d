import { randomUUID } from 'node:crypto';

/**
 * The one place that knows the bucket's layout. Published archives live under a key made of
 * their own sha256, so a published key can never come to hold other bytes.
 */
export const keys = {
  /** Where an archive is streamed while its digests are not yet known. */
  staging(fileName: string): string {
    return `staging/${randomUUID()}/${fileName}`;
  },
  archive(sha256: string, fileName: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return `archives/${sha256.slice(0, 2)}/${sha256}/${fileName}`;
  },
};

export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

export function contentTypeOf(fileName: string): string {
  if (fileName.endsWith('.tar.gz')) return 'application/gzip';
  if (fileName.endsWith('.zip')) return 'application/zip';
  return 'application/octet-stream';
}

import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';

/**
 * What is signed. Each statement names its kind, so a signature over one kind of document
 * can never be passed off as another.
 */
export interface FileDigest {
  name: string;
  size: number;
  sha256: string;
}

/** A published release as its maintainer released it: the bytes of every file. */
export function releaseStatement(release: {
  project: string;
  version: string;
  revision: number;
  files: FileDigest[];
  publishedAt: string | null;
}) {
  return {
    statement: 'packhouse.release/v1',
    project: release.project,
    version: release.version,
    revision: release.revision,
    files: [...release.files]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map(({ name, size, sha256 }) => ({ name, size, sha256 })),
    publishedAt: release.publishedAt,
  };
}

/** A page of the change feed: where it starts and ends, the digest of its events, and until when it may be trusted. */
export function headStatement(head: {
  epoch: string;
  since: string | null;
  next: string;
  hasMore: boolean;
  eventsSha256: string;
  expires: string;
}) {
  return { statement: 'packhouse.changes/v1', ...head };
}

/** The snapshot: the digest of its projects, the cursor to continue from, and its expiry. */
export function snapshotStatement(snapshot: {
  epoch: string;
  cursor: string;
  at: string;
  projectsSha256: string;
  expires: string;
}) {
  return { statement: 'packhouse.snapshot/v1', ...snapshot };
}

export function sha256OfCanonical(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

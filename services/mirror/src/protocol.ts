import type { PublicKeyInfo, Signature } from '@packhouse/signing';

/** The origin's answers, as the mirror reads them (services/api/src/routes/changes.ts). */
export interface OriginFile {
  name: string;
  url: string;
  size: number;
  sha256: string;
}

export interface ChangeEvent {
  type: 'release.published' | 'release.updated' | 'release.unpublished' | 'project.updated' | 'project.deleted';
  project: string;
  version: string | null;
  revision: number;
  at: string;
  publishedAt: string | null;
  files: OriginFile[];
  detail: Record<string, unknown>;
  signature: Signature | null;
}

export interface PageHead {
  epoch: string;
  since: string | null;
  next: string;
  hasMore: boolean;
  eventsSha256: string;
  expires: string;
  signature: Signature;
}

export interface ChangesPage {
  events: ChangeEvent[];
  next: string;
  hasMore: boolean;
  head: PageHead;
}

export interface SnapshotRelease {
  version: string;
  revision: number;
  publishedAt: string | null;
  files: OriginFile[];
  signature: Signature;
}

export interface Snapshot {
  epoch: string;
  cursor: string;
  at: string;
  expires: string;
  projectsSha256: string;
  projects: { name: string; releases: SnapshotRelease[] }[];
  signature: Signature;
}

export interface KeysAnswer {
  keys: PublicKeyInfo[];
}

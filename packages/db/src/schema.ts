import type { ColumnType, Generated } from 'kysely';

/** Column types as kysely sees them, camelCased by the CamelCasePlugin. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface UsersTable {
  id: Generated<string>;
  name: string;
  tokenHash: Buffer;
  isAdmin: ColumnType<boolean, boolean | undefined, boolean>;
  createdAt: Timestamp;
}

export interface ProjectsTable {
  id: Generated<string>;
  name: string;
  title: string;
  type: 'core' | 'module' | 'theme' | 'distribution';
  gitUrl: string;
  status: ColumnType<ProjectStatus, ProjectStatus | undefined, ProjectStatus>;
  securityCoverage: ColumnType<boolean, boolean | undefined, boolean>;
  supportedBranches: ColumnType<string[], string[] | undefined, string[]>;
  webhookSecret: ColumnType<string | null, string | null | undefined, string | null>;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export type ProjectStatus = 'published' | 'unsupported' | 'unpublished' | 'insecure' | 'revoked';

export interface MaintainersTable {
  projectId: string;
  userId: string;
  createdAt: Timestamp;
}

export type ReleaseStatus = 'queued' | 'building' | 'published' | 'failed';

export interface ReleasesTable {
  id: Generated<string>;
  projectId: string;
  version: string;
  tag: string;
  commit: string | null;
  commitTime: ColumnType<Date | null, Date | null | undefined, Date | null>;
  status: ColumnType<ReleaseStatus, ReleaseStatus | undefined, ReleaseStatus>;
  error: string | null;
  /** git's output of a failed attempt, for maintainers only (migration 20261129100100). */
  errorDetail: ColumnType<string | null, string | null | undefined, string | null>;
  /** A transient failure waiting for its retry at `nextAttemptAt`; cleared when the attempt that follows ends. */
  lastError: ColumnType<string | null, string | null | undefined, string | null>;
  nextAttemptAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
  releaseTypes: ColumnType<string[], string[] | undefined, string[]>;
  coreCompatibility: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  publishedAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
  kind: ColumnType<'tag' | 'dev', 'tag' | 'dev' | undefined, 'tag' | 'dev'>;
  attempts: ColumnType<number, number | undefined, number>;
  currentBuildId: ColumnType<string | null, string | null | undefined, string | null>;
  /** The build job whose outcome `currentBuildId` reflects (migration 20261128160000). */
  currentDecidedBy: ColumnType<string | null, string | null | undefined, string | null>;
  /** The maintainer-controlled status printed in the update feed (not the build status). */
  feedStatus: ColumnType<FeedStatus, FeedStatus | undefined, FeedStatus>;
  insecure: ColumnType<boolean, boolean | undefined, boolean>;
}

export type FeedStatus = 'published' | 'unpublished';

/** Append-only: when a project's feeds changed (written by triggers, read for Last-Modified). */
export interface FeedChangesTable {
  projectId: string;
  changedAt: Timestamp;
}

/**
 * One row per site per project per ISO week; `week` is its Monday (YYYY-MM-DD), `siteHash`
 * the first 64 bits of the site key's HMAC, a signed bigint (as pg returns it: a string).
 */
export interface UsageSitesTable {
  projectId: string;
  week: string;
  siteHash: string;
  version: string;
}

export interface UsageCountsTable {
  projectId: string;
  week: string;
  version: string;
  sites: number;
}

export interface ReleaseFilesTable {
  id: Generated<string>;
  releaseId: string;
  name: string;
  archiveType: 'tar.gz' | 'zip';
  storageKey: string;
  size: ColumnType<number, number, number>;
  md5: string;
  sha1: string;
  sha256: string;
  sha512: string;
  createdAt: Timestamp;
  buildId: ColumnType<string | null, string | null | undefined, string | null>;
}

export type BuildStatus = 'queued' | 'building' | 'published' | 'unchanged' | 'failed';

export interface BuildsTable {
  id: Generated<string>;
  releaseId: string;
  status: ColumnType<BuildStatus, BuildStatus | undefined, BuildStatus>;
  commit: string | null;
  commitTime: ColumnType<Date | null, Date | null | undefined, Date | null>;
  error: string | null;
  /** git's output of a failed attempt, for maintainers only (migration 20261129100100). */
  errorDetail: ColumnType<string | null, string | null | undefined, string | null>;
  /** A transient failure waiting for its retry at `nextAttemptAt`; cleared when the attempt that follows ends. */
  lastError: ColumnType<string | null, string | null | undefined, string | null>;
  nextAttemptAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
  attempts: ColumnType<number, number | undefined, number>;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  publishedAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface EventsTable {
  id: Generated<string>;
  kind: string;
  project: string;
  version: string | null;
  payload: ColumnType<unknown, string, string>;
  createdAt: Timestamp;
}

export interface Database {
  users: UsersTable;
  projects: ProjectsTable;
  maintainers: MaintainersTable;
  releases: ReleasesTable;
  releaseFiles: ReleaseFilesTable;
  builds: BuildsTable;
  events: EventsTable;
  feedChanges: FeedChangesTable;
  usageSites: UsageSitesTable;
  usageCounts: UsageCountsTable;
}

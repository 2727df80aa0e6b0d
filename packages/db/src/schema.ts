import type { ColumnType, Generated } from 'kysely';

/** Column types as kysely sees them, camelCased by the CamelCasePlugin. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface UsersTable {
  id: Generated<string>;
  name: string;
  /** Unused since migration 20261129110100: tokens live in `tokens`. */
  tokenHash: ColumnType<Buffer | null, Buffer | null | undefined, Buffer | null>;
  isAdmin: ColumnType<boolean, boolean | undefined, boolean>;
  disabledAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
  createdAt: Timestamp;
}

export type TokenScope = 'release' | 'manage' | 'admin';

export interface TokensTable {
  id: Generated<string>;
  userId: string;
  name: string;
  tokenHash: Buffer;
  scopes: TokenScope[];
  expiresAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
  lastUsedAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
  createdAt: Timestamp;
}

export interface ReservedNamesTable {
  name: string;
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
  /** Null while the project waits for an administrator (PROJECT_APPROVAL=admin). */
  approvedAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  /** The first paragraph of the latest README, plain text (migration 20261129170100). */
  description: ColumnType<string, string | undefined, string>;
  revision: ColumnType<number, number | undefined, number>;
}

export type ProjectStatus = 'published' | 'unsupported' | 'unpublished' | 'insecure' | 'revoked';

export type MaintainerRole = 'owner' | 'maintainer';

export interface MaintainersTable {
  projectId: string;
  userId: string;
  role: ColumnType<MaintainerRole, MaintainerRole | undefined, MaintainerRole>;
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
  /** Counts each feed-visible change; the change feed's `revision` (migration 20261129150100). */
  revision: ColumnType<number, number | undefined, number>;
  /** The signature of the latest signed release statement, `{keyid, sig}`. */
  signature: ColumnType<SignatureJson | null, string | null | undefined, string | null>;
  /** Composer repository (migration 20261129160100): the Composer version this release claims in its project. */
  composerVersion: ColumnType<string | null, string | null | undefined, string | null>;
  /**
   * The `require` published to Composer, read from the tree at packaging time. Read it as
   * text: the CamelCasePlugin renames the keys of jsonb objects it returns.
   */
  composerRequire: ColumnType<Record<string, string> | null, string | null | undefined, string | null>;
  /** Names of the sub-modules published as metapackages. */
  submodules: ColumnType<string[], string[] | undefined, string[]>;
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
  archiveType: ArchiveType;
  storageKey: string;
  size: ColumnType<number, number, number>;
  md5: string;
  sha1: string;
  sha256: string;
  sha512: string;
  createdAt: Timestamp;
  buildId: ColumnType<string | null, string | null | undefined, string | null>;
  /** Distribution files (migration 20261129140100): `projects` (-no-core), `full` (-core), `sbom`. */
  variant: ColumnType<FileVariant | null, FileVariant | null | undefined, FileVariant | null>;
}

export type ArchiveType = 'tar.gz' | 'zip' | 'cdx.json';
export type FileVariant = 'projects' | 'full' | 'sbom';

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

/** Distributions (migration 20261129140100). */
export interface LibraryAllowlistTable {
  position: number;
  pattern: string;
  updatedBy: string | null;
  updatedAt: Timestamp;
}

export interface DistributionBuildsTable {
  id: Generated<string>;
  releaseId: string;
  status: ColumnType<ReleaseStatus, ReleaseStatus | undefined, ReleaseStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  error: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  publishedAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** First found waiting for pinned releases still being packaged; the wait's bound counts from here. */
  waitingSince: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** What it waits for (`views 8.x-3.18`), while it waits. */
  waitingFor: ColumnType<string[] | null, string[] | null | undefined, string[] | null>;
}

export type ComponentKind = 'core' | 'project' | 'library' | 'patch';

export interface DistributionComponentsTable {
  id: Generated<string>;
  releaseId: string;
  kind: ComponentKind;
  name: string;
  version: string | null;
  componentReleaseId: string | null;
  appliedTo: string | null;
  sourceUrl: string;
  sha256: string;
  makeFile: string;
  makeLine: number;
}

/** Pages (migration 20261129170100): READMEs, sessions, sign-in links, offerings. */
export interface ReleaseReadmesTable {
  releaseId: string;
  fileName: string | null;
  body: string | null;
  capturedAt: Timestamp;
}

/** An annotated tag's message and tagger time (migration 20261130110100); no row for a lightweight tag. */
export interface ReleaseNotesTable {
  releaseId: string;
  message: string | null;
  taggedAt: Date | null;
}

export interface SessionsTable {
  tokenHash: Buffer;
  userId: string;
  csrfToken: string;
  createdAt: Timestamp;
  expiresAt: Timestamp;
}

export interface SignInLinksTable {
  tokenHash: Buffer;
  userId: string;
  createdAt: Timestamp;
  expiresAt: Timestamp;
  usedAt: ColumnType<Date | null, Date | null | undefined, Date | string | null>;
}

export type OfferingKind = 'support' | 'hosting' | 'training' | 'administration' | 'other';

export interface OfferingsTable {
  id: Generated<string>;
  projectId: string;
  provider: string;
  kind: OfferingKind;
  title: string;
  url: string;
  description: ColumnType<string, string | undefined, string>;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface OfferingVisitsTable {
  offeringId: string;
  week: string;
  visits: number;
}

export interface SignatureJson {
  keyid: string;
  sig: string;
}

export type ChangeType =
  'release.published' | 'release.updated' | 'release.unpublished' | 'project.updated' | 'project.deleted';

/** The change feed (migration 20261129150100): positions are (epoch, txid, id). */
export interface ChangesTable {
  epoch: ColumnType<number, never, never>;
  txid: ColumnType<string, never, never>;
  id: ColumnType<string, never, never>;
  type: ChangeType;
  project: string;
  version: string | null;
  revision: number;
  files: ColumnType<{ name: string; size: number; sha256: string }[], string | undefined, never>;
  publishedAt: ColumnType<Date | null, string | null | undefined, never>;
  detail: ColumnType<Record<string, unknown>, string | undefined, never>;
  signature: ColumnType<SignatureJson | null, string | null | undefined, string>;
  at: ColumnType<Date, Date | undefined, never>;
  /** The event's canonical JSON as served (migration 20261130130300); null on rows from before. */
  event: ColumnType<string | null, string | undefined, string>;
}

export interface ChangeFeedEpochsTable {
  id: ColumnType<number, never, never>;
  token: ColumnType<string, never, never>;
  prunedTxid: ColumnType<string, never, string>;
  prunedId: ColumnType<string, never, string>;
  startedAt: ColumnType<Date, never, never>;
}

export interface SigningKeysTable {
  keyid: string;
  algorithm: 'ed25519';
  publicKey: string;
  validFrom: ColumnType<Date, Date | undefined, Date>;
  validUntil: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

/** Composer installs reported through notify-batch, per ISO week (Monday) and Composer version. */
export interface ComposerInstallsTable {
  projectId: string;
  week: string;
  version: string;
  installs: ColumnType<string, number | string, number | string>;
}

export type AdvisorySeverity = 'critical' | 'high' | 'medium' | 'low';
export type AdvisoryStatus = 'published' | 'withdrawn';

export interface AdvisoriesTable {
  id: string;
  projectId: string;
  title: string;
  severity: AdvisorySeverity;
  affectedInput: string;
  affectedVersions: string;
  cve: string | null;
  link: string | null;
  description: string;
  status: ColumnType<AdvisoryStatus, AdvisoryStatus | undefined, AdvisoryStatus>;
  createdBy: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  withdrawnAt: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface AdvisoryReleasesTable {
  advisoryId: string;
  releaseId: string;
}

export interface AdvisorySequencesTable {
  year: number;
  last: number;
}

export interface Database {
  users: UsersTable;
  projects: ProjectsTable;
  maintainers: MaintainersTable;
  releases: ReleasesTable;
  releaseFiles: ReleaseFilesTable;
  builds: BuildsTable;
  changes: ChangesTable;
  changeFeedEpochs: ChangeFeedEpochsTable;
  signingKeys: SigningKeysTable;
  feedChanges: FeedChangesTable;
  usageSites: UsageSitesTable;
  usageCounts: UsageCountsTable;
  libraryAllowlist: LibraryAllowlistTable;
  distributionBuilds: DistributionBuildsTable;
  distributionComponents: DistributionComponentsTable;
  releaseReadmes: ReleaseReadmesTable;
  releaseNotes: ReleaseNotesTable;
  sessions: SessionsTable;
  signInLinks: SignInLinksTable;
  offerings: OfferingsTable;
  offeringVisits: OfferingVisitsTable;
  composerInstalls: ComposerInstallsTable;
  advisories: AdvisoriesTable;
  advisoryReleases: AdvisoryReleasesTable;
  advisorySequences: AdvisorySequencesTable;
  tokens: TokensTable;
  reservedNames: ReservedNamesTable;
}

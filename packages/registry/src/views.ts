import type { ArchiveType, BuildRow, ProjectRow, ReleaseFileRow, ReleaseNotes, ReleaseRow } from '@packhouse/db';

/** The shapes the API returns: domain types, never raw rows. */
export interface FileView {
  name: string;
  archiveType: ArchiveType;
  /** Distribution releases: `profile-only`, `projects` (-no-core), `full` (-core), `sbom`; null otherwise. */
  variant: FileVariantView | null;
  url: string;
  size: number;
  md5: string;
  sha1: string;
  sha256: string;
  sha512: string;
}

export interface ReleaseView {
  project: string;
  version: string;
  tag: string;
  commit: string | null;
  status: ReleaseRow['status'];
  /** Why a queued release is not being packaged yet (approval.ts). */
  reason?: 'awaiting-approval';
  /** One short public line; git's output is in ReleaseFailureView, for maintainers. */
  error: string | null;
  attempts: number;
  /** While a transient failure waits for its retry. */
  lastError: string | null;
  nextAttemptAt: string | null;
  releaseTypes: string[];
  createdAt: string;
  publishedAt: string | null;
  /** `tag` for tagged releases; `dev` for a branch's snapshots, whose files are its newest build's. */
  kind: 'tag' | 'dev';
  files: FileView[];
  /** Counts the release's feed-visible changes (the change feed's `revision`). */
  revision: number;
  /** Ed25519 over the release statement (project, version, revision, files, publishedAt); null until published. */
  signature: { keyid: string; sig: string } | null;
  /** Dev releases: their builds, newest first. */
  builds?: BuildView[];
  /** Distribution releases: the build of the make file, and bundled releases marked insecure since. */
  distribution?: DistributionView;
  /** Tagged releases, read one at a time: the annotated tag's message and time; null for a lightweight tag. */
  notes?: ReleaseNotesView | null;
}

export interface ReleaseNotesView {
  /** The tag's message as plain text (signature cut off, at most 16,384 characters); null when empty. */
  message: string | null;
  taggedAt: string | null;
}

export function notesView(notes: ReleaseNotes | undefined): ReleaseNotesView | null {
  return notes ? { message: notes.message, taggedAt: notes.taggedAt?.toISOString() ?? null } : null;
}

export type FileVariantView = 'profile-only' | 'projects' | 'full' | 'sbom';

export interface DistributionView {
  status: ReleaseRow['status'];
  error: string | null;
  /** Pinned releases the build waits for, still being packaged (`views 8.x-3.18`). */
  waitingFor: string[];
  componentsInsecure: Array<{ project: string; version: string }>;
}

export interface BuildView {
  id: string;
  status: BuildRow['status'];
  commit: string | null;
  error: string | null;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  publishedAt: string | null;
  files: FileView[];
}

/** A release's failures in full, git's output included: for its maintainers only. */
export interface ReleaseFailureView {
  error: string | null;
  lastError: string | null;
  detail: string | null;
  builds: { id: string; error: string | null; lastError: string | null; detail: string | null }[];
}

export interface ProjectView {
  name: string;
  title: string;
  type: ProjectRow['type'];
  gitUrl: string;
  status: ProjectRow['status'];
  /** False while an administrator has yet to approve it (PROJECT_APPROVAL=admin): its releases wait. */
  approved: boolean;
  createdAt: string;
  maintainers: string[];
  owners: string[];
  releases: ReleaseView[];
  /** Sites that reported using it in the latest ISO week with any report (`2026-W48`). */
  usage: { week: string; sites: number } | null;
}

export function downloadUrl(publicUrl: string, fileName: string): string {
  return `${publicUrl}/files/projects/${encodeURIComponent(fileName)}`;
}

export function fileView(publicUrl: string, file: ReleaseFileRow, distribution = false): FileView {
  const { name, archiveType, size, md5, sha1, sha256, sha512 } = file;
  const variant = file.variant ?? (distribution ? 'profile-only' : null);
  return {
    name,
    archiveType,
    variant,
    url: downloadUrl(publicUrl, name),
    size: Number(size),
    md5,
    sha1,
    sha256,
    sha512,
  };
}

/** One build of a dev release, with its files among `files` (the release's). */
export function buildView(publicUrl: string, build: BuildRow, files: ReleaseFileRow[]): BuildView {
  return {
    id: build.id,
    status: build.status,
    commit: build.commit,
    error: build.error,
    attempts: build.attempts,
    lastError: build.lastError,
    nextAttemptAt: build.nextAttemptAt?.toISOString() ?? null,
    createdAt: build.createdAt.toISOString(),
    publishedAt: build.publishedAt?.toISOString() ?? null,
    files: files.filter((file) => file.buildId === build.id).map((file) => fileView(publicUrl, file)),
  };
}

export function releaseView(
  publicUrl: string,
  project: string,
  release: ReleaseRow,
  files: ReleaseFileRow[],
  history?: BuildRow[],
  distribution?: DistributionView,
): ReleaseView {
  const own = files.filter((file) => file.releaseId === release.id);
  return {
    project,
    version: release.version,
    tag: release.tag,
    commit: release.commit,
    status: release.status,
    error: release.error,
    attempts: release.attempts,
    lastError: release.lastError,
    nextAttemptAt: release.nextAttemptAt?.toISOString() ?? null,
    releaseTypes: release.releaseTypes,
    createdAt: release.createdAt.toISOString(),
    publishedAt: release.publishedAt?.toISOString() ?? null,
    kind: release.kind,
    files: own
      .filter((file) => file.buildId === release.currentBuildId)
      .map((file) => fileView(publicUrl, file, distribution !== undefined)),
    ...(distribution && { distribution }),
    revision: release.revision,
    signature: release.status === 'published' ? release.signature : null,
    ...(history && { builds: history.map((build) => buildView(publicUrl, build, own)) }),
  };
}

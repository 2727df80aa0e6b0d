import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { projects, releases, type ProjectRow } from '@packhouse/db';
import type { Registry } from './context.ts';
import { findDevRelease, requestDevBuild } from './dev-releases.ts';
import { DomainError } from './errors.ts';
import { createTaggedRelease } from './releases.ts';

/** What a git host told us, reduced to what Packhouse acts on. */
export interface PushEvent {
  repositoryUrls: string[];
  ref: { kind: 'tag' | 'branch'; name: string } | null;
  /** The new head; null when the host does not say (GitHub's `create`) or the ref was deleted. */
  head: string | null;
  deleted: boolean;
}

export interface HookOutcome {
  outcome: 'release_queued' | 'build_queued' | 'exists' | 'unchanged' | 'already_queued' | 'ignored' | 'pong';
  message: string;
  project?: string;
  version?: string;
}

/** How a delivery proves it comes from the project's git host. */
export type Authenticator = (secret: string) => boolean;

export const gitlabToken =
  (header: string | undefined): Authenticator =>
  (secret) =>
    header !== undefined && constantTimeEqual(header, secret);

export const githubSignature =
  (header: string | undefined, rawBody: Buffer): Authenticator =>
  (secret) =>
    header !== undefined &&
    constantTimeEqual(header, `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`);

/** Compares digests of both sides, so neither content nor length leaks through timing. */
function constantTimeEqual(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * Handles one authenticated delivery (see `authenticateDelivery`): record and enqueue,
 * never fetch git here. Replays are idempotent: the release or queued build already exists.
 */
export async function receivePush(
  registry: Registry,
  project: ProjectRow,
  event: PushEvent | 'ping',
): Promise<HookOutcome> {
  const base = { project: project.name };
  if (event === 'ping') return { ...base, outcome: 'pong', message: 'Webhook configured.' };
  const { ref } = event;
  if (!ref) return { ...base, outcome: 'ignored', message: 'The delivery names no tag or branch.' };
  if (event.deleted) {
    return {
      ...base,
      outcome: 'ignored',
      message: `Deleting ${ref.kind} ${ref.name} changes no release: published releases are immutable.`,
    };
  }
  return ref.kind === 'tag' ? onTag(registry, project, ref.name) : onBranch(registry, project, ref.name, event.head);
}

async function onTag(registry: Registry, project: ProjectRow, tag: string): Promise<HookOutcome> {
  const base = { project: project.name };
  let release;
  try {
    release = await createTaggedRelease(registry, project, tag, []);
  } catch (error) {
    // The API's own rule for tags (a Drupal version, not a dev one) decides; a host gets a 200 saying why.
    if (error instanceof DomainError && (error.code === 'invalid' || error.code === 'composer_version_taken'))
      return { ...base, outcome: 'ignored', message: error.message };
    throw error;
  }
  if (release)
    return {
      ...base,
      version: release.version,
      outcome: 'release_queued',
      message: `Release ${release.version} queued.`,
    };
  const existing = (await releases.findRelease(registry.db, project.id, tag))!;
  return {
    ...base,
    version: existing.version,
    outcome: 'exists',
    message: `Release ${existing.version} already exists (${existing.status}).`,
  };
}

async function onBranch(
  registry: Registry,
  project: ProjectRow,
  branch: string,
  head: string | null,
): Promise<HookOutcome> {
  const base = { project: project.name };
  const release = await findDevRelease(registry, project, branch);
  if (!release) return { ...base, outcome: 'ignored', message: `Branch ${branch} is not a registered release branch.` };
  const request = await requestDevBuild(registry, project, release, head ?? undefined);
  const version = release.version;
  switch (request.outcome) {
    case 'queued':
      return { ...base, version, outcome: 'build_queued', message: `Build of ${version} queued.` };
    case 'already_queued':
      return {
        ...base,
        version,
        outcome: 'already_queued',
        message: `A build of ${version} is already waiting; it will package the newest head.`,
      };
    case 'unchanged':
      return {
        ...base,
        version,
        outcome: 'unchanged',
        message: `${branch} is still at ${request.commit}; nothing to package.`,
      };
  }
}

/**
 * The project a delivery comes for: found by the repository URLs it names, and proven by
 * its signature with that project's webhook secret; a 401 otherwise. The transport calls
 * this before validating the delivery's shape.
 */
export async function authenticateDelivery(
  registry: Registry,
  urls: string[],
  authenticate: Authenticator,
): Promise<ProjectRow> {
  const candidates = await projects.findProjectsByGitUrls(registry.db, urlVariants(urls));
  const project = candidates.find(
    (candidate) => candidate.webhookSecret !== null && authenticate(candidate.webhookSecret),
  );
  if (!project) {
    throw new DomainError(
      'unauthorized',
      401,
      'The delivery is not signed with the webhook secret of a project with this repository URL.',
    );
  }
  return project;
}

/** Hosts spell one repository several ways: with or without `.git` and a trailing slash. */
function urlVariants(urls: string[]): string[] {
  const variants = new Set<string>();
  for (const url of urls) {
    const bare = url.replace(/\/+$/, '').replace(/\.git$/, '');
    for (const variant of [url, bare, `${bare}.git`, `${bare}/`]) variants.add(variant);
  }
  return [...variants];
}

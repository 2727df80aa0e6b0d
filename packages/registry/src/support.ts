import {
  releases,
  support,
  type FeedStatus,
  type ProjectRow,
  type ProjectStatus,
  type ReleaseRow,
} from '@packhouse/db';
import { branchOf, InvalidVersion, parseVersion } from '@packhouse/versions';
import { recordProjectChange, recordReleaseChange } from './changes.ts';
import type { Actor, Registry } from './context.ts';
import { invalid, notFound } from './errors.ts';
import { requireAccess } from './permissions.ts';
import { requireProject } from './projects.ts';
import type { ReleaseType } from './releases.ts';

/** What a project's feeds say about its support, as maintainers set it. */
export interface ProjectSupportView {
  name: string;
  status: ProjectStatus;
  securityCoverage: boolean;
  supportedBranches: string[];
}

/** A release as the update feed prints it; `status` is the feed status, not the build status. */
export interface ReleaseSupportView {
  project: string;
  version: string;
  status: FeedStatus;
  insecure: boolean;
  releaseTypes: string[];
}

export async function getProjectSupport(registry: Registry, name: string): Promise<ProjectSupportView> {
  return projectSupportView(await requireProject(registry, name));
}

/** Drives `supported_branches` (current feed) and the majors of legacy feeds. */
export async function setSupportedBranches(
  registry: Registry,
  actor: Actor,
  name: string,
  branches: string[],
): Promise<ProjectSupportView> {
  const project = await requireAccess(registry, actor, name, 'manage');
  const supportedBranches = [...new Set(branches.map(checkBranch))];
  const updated = await registry.db.transaction().execute(async (tx) => {
    const row = await support.updateProjectSupport(tx, project.id, { supportedBranches });
    if (row) await recordProjectChange(registry, tx, row);
    return row;
  });
  registry.log.info(
    { project: { name }, user: { name: actor.name }, branches: supportedBranches },
    'Supported branches changed.',
  );
  return projectSupportView(updated ?? project);
}

export async function updateProjectSupport(
  registry: Registry,
  actor: Actor,
  name: string,
  changes: { status?: ProjectStatus; securityCoverage?: boolean },
): Promise<ProjectSupportView> {
  const project = await requireAccess(registry, actor, name, 'manage');
  const updated = await registry.db.transaction().execute(async (tx) => {
    const row = await support.updateProjectSupport(tx, project.id, changes);
    if (row) await recordProjectChange(registry, tx, row);
    return row;
  });
  registry.log.info({ project: { name }, user: { name: actor.name }, changes }, 'Project support changed.');
  return projectSupportView(updated ?? project);
}

/** Unpublish or republish a release in the feed, mark it insecure, change its types. */
export async function updateReleaseSupport(
  registry: Registry,
  actor: Actor,
  name: string,
  version: string,
  changes: { status?: FeedStatus; releaseTypes?: ReleaseType[]; insecure?: boolean },
): Promise<ReleaseSupportView> {
  const project = await requireAccess(registry, actor, name, 'manage');
  const release = await releases.findRelease(registry.db, project.id, version);
  if (!release) throw notFound(`${name} has no release ${version}.`);
  const updated = await registry.db.transaction().execute(async (tx) => {
    const row = await support.updateReleaseSupport(tx, release.id, {
      feedStatus: changes.status,
      insecure: changes.insecure,
      releaseTypes: changes.releaseTypes === undefined ? undefined : [...new Set(changes.releaseTypes)],
    });
    const unpublished = changes.status === 'unpublished' && release.feedStatus !== 'unpublished';
    if (row)
      await recordReleaseChange(registry, tx, release.id, unpublished ? 'release.unpublished' : 'release.updated');
    return row;
  });
  registry.log.info(
    { project: { name }, release: { id: release.id }, version, user: { name: actor.name }, changes },
    'Release support changed.',
  );
  return releaseSupportView(name, updated ?? release);
}

/**
 * A branch is a version cut after its last dot (packages/versions/README.md, Branches): `8.x-1.`, `2.0.`, or `3.`
 * for a `3.x-dev` major. Checked by building that branch's dev version and cutting it again.
 */
function checkBranch(branch: string): string {
  const explain =
    `supportedBranches: "${branch}" is not a branch; write a version cut after its last dot, ` +
    `such as "8.x-1." or "2.0."`;
  try {
    if (branch.endsWith('.') && branchOf(parseVersion(`${branch}x-dev`)) === branch) return branch;
  } catch (error) {
    if (!(error instanceof InvalidVersion)) throw error;
  }
  throw invalid(explain);
}

function projectSupportView(project: ProjectRow): ProjectSupportView {
  const { name, status, securityCoverage, supportedBranches } = project;
  return { name, status, securityCoverage, supportedBranches };
}

function releaseSupportView(project: string, release: ReleaseRow): ReleaseSupportView {
  return {
    project,
    version: release.version,
    status: release.feedStatus,
    insecure: release.insecure,
    releaseTypes: release.releaseTypes,
  };
}

import { composerAdvisory, composerPackageName, renderOsv, type ComposerAdvisory } from '@packhouse/composer';
import {
  advisories,
  composer,
  releases,
  type AdvisoryRow,
  type AdvisorySeverity,
  type AdvisoryStatus,
  type ProjectRow,
  type ReleaseRow,
  type Tx,
} from '@packhouse/db';
import { zipBuffer } from '@packhouse/packager';
import { composerConstraintMatcher, translateLegacyConstraint, type VersionMatcher } from '@packhouse/versions';
import { recordReleaseChange } from './changes.ts';
import { composerRepositoryUrl } from './composer.ts';
import type { Actor, Registry } from './context.ts';
import { DomainError, notFound } from './errors.ts';
import { requireAccess } from './permissions.ts';
import { requireProject } from './projects.ts';

/**
 * Security advisories: one maintainer action that reaches every client. An advisory lists
 * the published releases its constraint matches (`advisory_releases`: matched when it is
 * saved, and again as each later release is published), marks them Insecure in the update
 * feed, and shows in Composer's advisories API, the p2 files' `security-advisories` and the
 * OSV export, all read from the same rows (the feed triggers evict every cache at commit).
 */
export interface AdvisoryInput {
  title: string;
  severity: AdvisorySeverity;
  affectedVersions: string;
  cve?: string | null;
  link?: string | null;
  description: string;
}

export interface AdvisoryView {
  id: string;
  project: string;
  package: string;
  title: string;
  severity: AdvisorySeverity;
  /** As the maintainer wrote it. */
  affectedVersionsInput: string;
  /** As Composer reads it: Drupal 8 legacy versions translated (`<8.x-1.3` → `<1.3.0`). */
  affectedVersions: string;
  /** Composer versions of the published releases its constraint matches (those published later too). */
  affectedReleases: string[];
  cve: string | null;
  link: string | null;
  description: string;
  status: AdvisoryStatus;
  createdAt: string;
  updatedAt: string;
  withdrawnAt: string | null;
}

export async function publishAdvisory(
  registry: Registry,
  actor: Actor,
  projectName: string,
  input: AdvisoryInput,
): Promise<AdvisoryView> {
  const project = await requireAccess(registry, actor, projectName, 'manage');
  const constraint = checkedConstraint(input.affectedVersions);
  const { id, affected } = await registry.db.transaction().execute(async (tx) => {
    const affected = await affectedReleases(tx, project, constraint);
    const id = await advisories.nextAdvisoryId(tx, new Date().getUTCFullYear());
    await advisories.insertAdvisory(tx, {
      id,
      projectId: project.id,
      title: input.title,
      severity: input.severity,
      affectedInput: input.affectedVersions,
      affectedVersions: constraint.composer,
      cve: input.cve ?? null,
      link: input.link ?? null,
      description: input.description,
      createdBy: actor.id,
    });
    await advisories.setAffectedReleases(tx, id, affected.releaseIds);
    await recordInsecureChanges(registry, tx, affected.releaseIds);
    return { id, affected };
  });
  registry.log.info(
    { project: { name: project.name }, advisory: { id }, affected: affected.versions },
    'Security advisory published.',
  );
  return getAdvisory(registry, projectName, id);
}

export async function updateAdvisory(
  registry: Registry,
  actor: Actor,
  projectName: string,
  id: string,
  changes: Partial<AdvisoryInput> & { status?: AdvisoryStatus },
): Promise<AdvisoryView> {
  const project = await requireAccess(registry, actor, projectName, 'manage');
  const current = await advisories.findAdvisory(registry.db, id);
  if (!current || current.projectId !== project.id) throw notFound(`${projectName} has no advisory ${id}.`);
  const constraint = changes.affectedVersions === undefined ? null : checkedConstraint(changes.affectedVersions);
  await registry.db.transaction().execute(async (tx) => {
    const affected = constraint === null ? null : await affectedReleases(tx, project, constraint);
    const before = await advisories.listAffectedReleaseIds(tx, id);
    const { affectedVersions: _, status, ...fields } = changes;
    await advisories.updateAdvisory(tx, id, {
      ...fields,
      ...(constraint ? { affectedInput: constraint.input, affectedVersions: constraint.composer } : {}),
      ...(status ? { status, withdrawnAt: status === 'withdrawn' ? (current.withdrawnAt ?? new Date()) : null } : {}),
    });
    if (affected) await advisories.setAffectedReleases(tx, id, affected.releaseIds);
    await recordInsecureChanges(registry, tx, [...new Set([...before, ...(affected?.releaseIds ?? [])])]);
  });
  registry.log.info(
    { project: { name: project.name }, advisory: { id }, status: changes.status ?? current.status },
    'Security advisory updated.',
  );
  return getAdvisory(registry, projectName, id);
}

export async function listAdvisories(registry: Registry, projectName: string): Promise<AdvisoryView[]> {
  const project = await requireProject(registry, projectName);
  return (await advisories.listProjectAdvisories(registry.db, project.id)).map(advisoryView);
}

export async function getAdvisory(registry: Registry, projectName: string, id: string): Promise<AdvisoryView> {
  const row = await advisories.findAdvisory(registry.db, id);
  if (!row || row.project !== projectName) throw notFound(`${projectName} has no advisory ${id}.`);
  return advisoryView(row);
}

/**
 * Composer's security-advisories API (Packagist's answer shape): the published advisories
 * of the `drupal/*` packages asked for, every name asked for present (an empty list says
 * "none known", so Composer does not ask elsewhere).
 */
export async function composerAdvisories(
  registry: Registry,
  packageNames: string[],
): Promise<{ advisories: Record<string, ComposerAdvisory[]> }> {
  const wanted = [...new Set(packageNames.map((name) => name.toLowerCase()))].filter((name) =>
    /^drupal\/[a-z][a-z0-9_]*$/.test(name),
  );
  const machineNames = new Map<string, string>();
  for (const name of wanted)
    machineNames.set(
      name === 'drupal/core' ? ((await composer.findCoreProjectName(registry.db)) ?? '') : name.slice('drupal/'.length),
      name,
    );
  const ids = await composer.projectIdsByName(registry.db, [...machineNames.keys()].filter(Boolean));
  const rows = await advisories.listPublishedForProjects(registry.db, [...ids.values()]);
  const result: Record<string, ComposerAdvisory[]> = {};
  const repositoryUrl = composerRepositoryUrl(registry);
  for (const [machineName, packageName] of machineNames) if (ids.has(machineName)) result[packageName] = [];
  for (const row of rows) {
    const packageName = machineNames.get(row.project)!;
    result[packageName]!.push(
      composerAdvisory(
        packageName,
        { ...row, reportedAt: row.createdAt.toISOString().slice(0, 19).replace('T', ' ') },
        repositoryUrl,
      ),
    );
  }
  return { advisories: result };
}

/** One advisory as an OSV 1.6 record; withdrawn ones too, marked `withdrawn`. */
export async function osvAdvisory(registry: Registry, id: string): Promise<Record<string, unknown>> {
  const row = await advisories.findAdvisory(registry.db, id);
  if (!row) throw notFound(`No advisory ${id}.`);
  return osvOf(registry, row);
}

/** Every advisory as `{id}.json` in one zip, as OSV's bulk exports are laid out. */
export async function osvArchive(registry: Registry): Promise<Buffer> {
  const rows = await advisories.listAllAdvisories(registry.db);
  const files = rows.map((row) => ({
    name: `${row.id}.json`,
    content: Buffer.from(`${JSON.stringify(osvOf(registry, row), null, 2)}\n`),
  }));
  const newest = rows.reduce((latest, row) => Math.max(latest, row.updatedAt.getTime()), 0);
  return zipBuffer(files, Math.floor(newest / 1000));
}

function osvOf(registry: Registry, row: AdvisoryRow): Record<string, unknown> {
  return renderOsv({
    id: row.id,
    packageName: composerPackageName({ name: row.project, type: row.projectType as ProjectRow['type'] }),
    title: row.title,
    description: row.description,
    severity: row.severity,
    affectedVersions: row.affectedVersions,
    affectedReleases: row.affectedReleases,
    cve: row.cve,
    link: row.link,
    advisoryUrl: `${registry.config.publicUrl}/api/v1/projects/${row.project}/advisories/${row.id}`,
    published: row.createdAt.toISOString(),
    modified: row.updatedAt.toISOString(),
    withdrawn: row.withdrawnAt?.toISOString() ?? null,
  });
}

interface CheckedConstraint {
  /** As the maintainer wrote it. */
  input: string;
  /** As Composer reads it (8.x- versions translated). */
  composer: string;
  matches: VersionMatcher;
}

/** An advisory's `affectedVersions` as a Composer constraint; refused with the rule when it does not parse. */
function checkedConstraint(input: string): CheckedConstraint {
  const composer = translateLegacyConstraint(input.trim());
  const matches = composerConstraintMatcher(composer);
  if (!matches) {
    throw new DomainError(
      'advisory_constraint_invalid',
      422,
      `affectedVersions ${JSON.stringify(input)} is not a Composer version constraint (such as "<1.3.2" or ` +
        `">=2.0.0 <2.1.4 || <1.9.5"; 8.x- versions may be written as they are) (rule ` +
        `advisory_constraint_invalid).`,
    );
  }
  return { input, composer, matches };
}

/** Whether an advisory can affect a release at all: a built tagged release with a Composer version. */
function matchable<R extends Pick<ReleaseRow, 'kind' | 'composerVersion'>>(
  release: R,
): release is R & { composerVersion: string } {
  return release.kind === 'tag' && release.composerVersion !== null;
}

/**
 * The published releases a constraint matches, read in the saving transaction under the
 * project's matching lock (so a release published meanwhile is matched by one side or the
 * other); refused with the rule when it matches none.
 */
async function affectedReleases(tx: Tx, project: ProjectRow, constraint: CheckedConstraint) {
  await advisories.lockAdvisoryMatching(tx, project.id, 'exclusive');
  const matched = (await releases.listReleases(tx, project.id)).filter(
    (release) => release.status === 'published' && matchable(release) && constraint.matches(release.composerVersion),
  );
  if (matched.length === 0) {
    throw new DomainError(
      'advisory_constraint_matches_nothing',
      422,
      `affectedVersions ${JSON.stringify(constraint.input)} (Composer: ${JSON.stringify(constraint.composer)}) ` +
        `matches no published release of ${project.name}; an advisory must affect at least one (rule ` +
        `advisory_constraint_matches_nothing).`,
    );
  }
  return { releaseIds: matched.map((release) => release.id), versions: matched.map((release) => release.version) };
}

/**
 * An advisory follows its constraint, not the releases that existed when it was saved: in
 * the transaction that publishes a tagged release, every advisory of the project whose
 * constraint matches the release's Composer version (withdrawn ones too, which may be
 * republished) lists it. Call it before the release's change is recorded, so that the
 * signed statement reads it insecure; the release's own feed triggers evict the update feed
 * and p2 caches at commit. Returns the ids of the advisories that now affect it.
 */
export async function matchAdvisoriesOnPublish(
  tx: Tx,
  release: Pick<ReleaseRow, 'id' | 'projectId' | 'kind' | 'composerVersion'>,
): Promise<string[]> {
  if (!matchable(release)) return [];
  await advisories.lockAdvisoryMatching(tx, release.projectId, 'shared');
  const matching = (await advisories.listProjectConstraints(tx, release.projectId))
    .filter((advisory) => composerConstraintMatcher(advisory.affectedVersions)?.(release.composerVersion) ?? false)
    .map((advisory) => advisory.id);
  await advisories.addAffectedRelease(tx, matching, release.id);
  return matching;
}

/**
 * An advisory changes whether its releases read as insecure in the update feed: each gets a
 * `release.updated` change for mirrors, in the advisory's transaction (registry/changes.ts).
 */
async function recordInsecureChanges(registry: Registry, tx: Tx, releaseIds: string[]): Promise<void> {
  for (const releaseId of releaseIds) await recordReleaseChange(registry, tx, releaseId, 'release.updated');
}

function advisoryView(row: AdvisoryRow): AdvisoryView {
  return {
    id: row.id,
    project: row.project,
    package: composerPackageName({ name: row.project, type: row.projectType as ProjectRow['type'] }),
    title: row.title,
    severity: row.severity,
    affectedVersionsInput: row.affectedInput,
    affectedVersions: row.affectedVersions,
    affectedReleases: row.affectedReleases,
    cve: row.cve,
    link: row.link,
    description: row.description,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    withdrawnAt: row.withdrawnAt?.toISOString() ?? null,
  };
}

import { randomBytes } from 'node:crypto';
import {
  files,
  projects,
  releases,
  reservedNames,
  snapshot,
  usage,
  users,
  type MaintainerRole,
  type ProjectRow,
} from '@packhouse/db';
import { checkGitUrl, pinGitHost, SourceRefused, type ProjectType } from '@packhouse/packager';
import { recordProjectChange } from './changes.ts';
import type { Actor, Registry } from './context.ts';
import { withApproval } from './approval.ts';
import { conflict, forbidden, invalid, notFound } from './errors.ts';
import { checkProjectQuota } from './quotas.ts';
import { requireAccess } from './permissions.ts';
import { isoWeekLabel } from './usage/iso-week.ts';
import { releaseView, type ProjectView } from './views.ts';

/** A Drupal machine name: what a project may be called. */
export const MACHINE_NAME = /^[a-z][a-z0-9_]{1,63}$/;

export interface NewProject {
  name: string;
  title: string;
  type: ProjectType;
  gitUrl: string;
}

/** Shown once, on creation or rotation; git hosts sign their webhook deliveries with it. */
function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

/**
 * The caller becomes the project's owner. Names sites trust are guarded: only
 * administrators create `core` projects or take a reserved name, and with
 * PROJECT_APPROVAL=admin anyone else's project waits for an administrator's approval.
 */
export async function createProject(
  registry: Registry,
  actor: Actor,
  input: NewProject,
): Promise<ProjectView & { webhookSecret: string }> {
  if (!actor.isAdmin && !actor.scopes.includes('manage'))
    throw forbidden('Creating a project needs a token with the manage scope.');
  if (input.type === 'core' && !actor.isAdmin)
    throw forbidden('Only an administrator can create a project of type core.');
  if (!actor.isAdmin && (await reservedNames.isReserved(registry.db, input.name))) {
    throw forbidden(`"${input.name}" is a reserved name; only an administrator can create a project with it.`);
  }
  try {
    checkGitUrl(input.gitUrl, registry.config.git);
    // Where the host resolves to now; checked again at every fetch.
    await pinGitHost(input.gitUrl, registry.config.git, 'refused');
  } catch (error) {
    if (error instanceof SourceRefused) throw invalid(`gitUrl: ${error.message}`);
    throw error;
  }
  await checkProjectQuota(registry, actor);
  const webhookSecret = newWebhookSecret();
  const approvedAt = registry.config.accounts.projectApproval === 'off' || actor.isAdmin ? new Date() : null;
  const created = await registry.db.transaction().execute(async (tx) => {
    const project = await projects.insertProject(tx, { ...input, webhookSecret, approvedAt });
    if (project) {
      await projects.addMaintainer(tx, project.id, actor.id, 'owner');
      await recordProjectChange(registry, tx, project);
    }
    return project;
  });
  if (!created) throw conflict(`A project named "${input.name}" already exists.`);
  registry.log.info(
    { project: { name: created.name }, user: { name: actor.name }, approved: approvedAt !== null },
    'Project created.',
  );
  return {
    ...baseView(created),
    maintainers: [actor.name],
    owners: [actor.name],
    releases: [],
    usage: null,
    webhookSecret,
  };
}

export async function getProject(registry: Registry, name: string): Promise<ProjectView> {
  const project = await requireProject(registry, name);
  return snapshot(registry.db, async (tx) => {
    const maintainers = await projects.listMaintainerNames(tx, project.id);
    const owners = await projects.listOwnerNames(tx, project.id);
    const rows = await releases.listReleases(tx, project.id);
    const fileRows = await files.listFiles(
      tx,
      rows.map((row) => row.id),
    );
    const latestWeek = await usage.latestWeekUsage(tx, project.id);
    return {
      ...baseView(project),
      maintainers,
      owners,
      releases: rows.map((row) =>
        withApproval(project, releaseView(registry.config.publicUrl, project.name, row, fileRows)),
      ),
      usage: latestWeek ? { week: isoWeekLabel(latestWeek.week), sites: latestWeek.sites } : null,
    };
  });
}

export async function rotateWebhookSecret(
  registry: Registry,
  actor: Actor,
  name: string,
): Promise<{ webhookSecret: string }> {
  const project = await requireAccess(registry, actor, name, 'manage');
  const webhookSecret = newWebhookSecret();
  await projects.setWebhookSecret(registry.db, project.id, webhookSecret);
  registry.log.info({ project: { name } }, 'Webhook secret rotated.');
  return { webhookSecret };
}

export interface MaintainersView {
  maintainers: string[];
  owners: string[];
}

/** Owners add maintainers, or change a maintainer's role. */
export async function addMaintainer(
  registry: Registry,
  actor: Actor,
  name: string,
  userName: string,
  role: MaintainerRole = 'maintainer',
): Promise<MaintainersView> {
  const project = await requireAccess(registry, actor, name, 'own');
  const user = await users.findUserByName(registry.db, userName);
  if (!user) throw notFound(`No user named "${userName}".`);
  await registry.db.transaction().execute(async (tx) => {
    const current = await projects.lockMaintainers(tx, project.id);
    const owners = current.filter((row) => row.role === 'owner');
    if (role !== 'owner' && owners.length === 1 && owners[0]!.userId === user.id) {
      throw conflict(`"${userName}" is the only owner of ${name}; make another maintainer owner first.`);
    }
    await projects.addMaintainer(tx, project.id, user.id, role);
    await recordProjectChange(registry, tx, project);
  });
  registry.log.info(
    { project: { name }, user: { name: userName }, role, by: { name: actor.name } },
    'Maintainer added.',
  );
  return maintainersView(registry, project.id);
}

/** Owners remove maintainers; any maintainer may remove themself. The last owner stays. */
export async function removeMaintainer(
  registry: Registry,
  actor: Actor,
  name: string,
  userName: string,
): Promise<MaintainersView> {
  const project = await requireAccess(registry, actor, name, userName === actor.name ? 'manage' : 'own');
  const user = await users.findUserByName(registry.db, userName);
  if (!user) throw notFound(`No user named "${userName}".`);
  await registry.db.transaction().execute(async (tx) => {
    const current = await projects.lockMaintainers(tx, project.id);
    const removed = current.find((row) => row.userId === user.id);
    if (!removed) throw notFound(`"${userName}" is not a maintainer of ${name}.`);
    if (removed.role === 'owner' && current.filter((row) => row.role === 'owner').length === 1) {
      throw conflict(`"${userName}" is the last owner of ${name}; make another maintainer owner first.`);
    }
    await projects.removeMaintainer(tx, project.id, user.id);
    await recordProjectChange(registry, tx, project);
  });
  registry.log.info({ project: { name }, user: { name: userName }, by: { name: actor.name } }, 'Maintainer removed.');
  return maintainersView(registry, project.id);
}

export async function maintainersView(registry: Registry, projectId: string): Promise<MaintainersView> {
  return snapshot(registry.db, async (tx) => ({
    maintainers: await projects.listMaintainerNames(tx, projectId),
    owners: await projects.listOwnerNames(tx, projectId),
  }));
}

/** The project of that name, or a 404. */
export async function requireProject(registry: Registry, name: string): Promise<ProjectRow> {
  const project = await projects.findProjectByName(registry.db, name);
  if (!project) throw notFound(`No project named "${name}".`);
  return project;
}

function baseView(project: ProjectRow): Omit<ProjectView, 'maintainers' | 'owners' | 'releases' | 'usage'> {
  const { name, title, type, gitUrl, status } = project;
  return {
    name,
    title,
    type,
    gitUrl,
    status,
    approved: project.approvedAt !== null,
    createdAt: project.createdAt.toISOString(),
  };
}

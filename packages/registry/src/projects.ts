import { randomBytes } from 'node:crypto';
import { files, projects, releases, snapshot, usage, users, type ProjectRow } from '@packhouse/db';
import { checkGitUrl, pinGitHost, SourceRefused, type ProjectType } from '@packhouse/packager';
import { recordProjectChange } from './changes.ts';
import type { Actor, Registry } from './context.ts';
import { conflict, forbidden, invalid, notFound } from './errors.ts';
import { checkProjectQuota } from './quotas.ts';
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

export async function createProject(
  registry: Registry,
  actor: Actor,
  input: NewProject,
): Promise<ProjectView & { webhookSecret: string }> {
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
  const created = await registry.db.transaction().execute(async (tx) => {
    const project = await projects.insertProject(tx, { ...input, webhookSecret });
    if (project) {
      await projects.addMaintainer(tx, project.id, actor.id);
      await recordProjectChange(registry, tx, project);
    }
    return project;
  });
  if (!created) throw conflict(`A project named "${input.name}" already exists.`);
  registry.log.info({ project: { name: created.name }, user: { name: actor.name } }, 'Project created.');
  return { ...baseView(created), maintainers: [actor.name], releases: [], usage: null, webhookSecret };
}

export async function getProject(registry: Registry, name: string): Promise<ProjectView> {
  const project = await requireProject(registry, name);
  return snapshot(registry.db, async (tx) => {
    const maintainers = await projects.listMaintainerNames(tx, project.id);
    const rows = await releases.listReleases(tx, project.id);
    const fileRows = await files.listFiles(tx, rows.map((row) => row.id));
    const latestWeek = await usage.latestWeekUsage(tx, project.id);
    return {
      ...baseView(project),
      maintainers,
      releases: rows.map((row) => releaseView(registry.config.publicUrl, project.name, row, fileRows)),
      usage: latestWeek ? { week: isoWeekLabel(latestWeek.week), sites: latestWeek.sites } : null,
    };
  });
}

export async function rotateWebhookSecret(registry: Registry, actor: Actor, name: string): Promise<{ webhookSecret: string }> {
  const project = await requireMaintainedProject(registry, actor, name);
  const webhookSecret = newWebhookSecret();
  await projects.setWebhookSecret(registry.db, project.id, webhookSecret);
  registry.log.info({ project: { name } }, 'Webhook secret rotated.');
  return { webhookSecret };
}

export async function addMaintainer(registry: Registry, actor: Actor, name: string, userName: string): Promise<string[]> {
  const project = await requireMaintainedProject(registry, actor, name);
  const user = await users.findUserByName(registry.db, userName);
  if (!user) throw notFound(`No user named "${userName}".`);
  await registry.db.transaction().execute(async (tx) => {
    await projects.addMaintainer(tx, project.id, user.id);
    await recordProjectChange(registry, tx, project);
  });
  return projects.listMaintainerNames(registry.db, project.id);
}

export async function removeMaintainer(registry: Registry, actor: Actor, name: string, userName: string): Promise<string[]> {
  const project = await requireMaintainedProject(registry, actor, name);
  const user = await users.findUserByName(registry.db, userName);
  if (!user) throw notFound(`No user named "${userName}".`);
  await registry.db.transaction().execute(async (tx) => {
    const current = await projects.lockMaintainers(tx, project.id);
    if (!current.includes(user.id)) throw notFound(`"${userName}" is not a maintainer of ${name}.`);
    if (current.length === 1) throw conflict(`"${userName}" is the last maintainer of ${name}; add another first.`);
    await projects.removeMaintainer(tx, project.id, user.id);
    await recordProjectChange(registry, tx, project);
  });
  return projects.listMaintainerNames(registry.db, project.id);
}

/** The project of that name, or a 404. */
export async function requireProject(registry: Registry, name: string): Promise<ProjectRow> {
  const project = await projects.findProjectByName(registry.db, name);
  if (!project) throw notFound(`No project named "${name}".`);
  return project;
}

/** The project, when the actor may change it: its maintainers and administrators. */
export async function requireMaintainedProject(registry: Registry, actor: Actor, name: string): Promise<ProjectRow> {
  const project = await requireProject(registry, name);
  if (!actor.isAdmin && !(await projects.isMaintainer(registry.db, project.id, actor.id))) {
    throw forbidden(`Only maintainers of ${name} can do this.`);
  }
  return project;
}

function baseView(project: ProjectRow): Omit<ProjectView, 'maintainers' | 'releases' | 'usage'> {
  const { name, title, type, gitUrl, status } = project;
  return { name, title, type, gitUrl, status, createdAt: project.createdAt.toISOString() };
}

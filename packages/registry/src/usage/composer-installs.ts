import { composer, releases } from '@packhouse/db';
import type { Registry } from '../context.ts';
import { requireProject } from '../projects.ts';
import { isoWeekLabel, isoWeekStart, weeksBefore } from './iso-week.ts';

/** One install Composer reports through notify-batch: `drupal/{name}` and its normalized version. */
export interface ComposerInstall {
  name: string;
  version: string;
}

export interface InstallsWeek {
  week: string;
  weekStart: string;
  installs: number;
  versions: { version: string; installs: number }[];
}

const MAX_PER_BATCH = 1_000;

/**
 * Counts the installs of one notify-batch POST against this ISO week, per project and
 * Drupal version. Composer sends normalized versions (`1.2.0.0`, `1.3.0.0-RC1`, `dev-1.x`),
 * turned back into the Composer version a release claims; names and versions Packhouse
 * does not publish (metapackages, other repositories' packages) are ignored.
 */
export async function recordComposerInstalls(
  registry: Registry,
  installs: ComposerInstall[],
  at = new Date(),
): Promise<number> {
  const wanted = installs.slice(0, MAX_PER_BATCH).flatMap((install) => {
    const match = /^drupal\/([a-z][a-z0-9_]*)$/.exec(install.name.toLowerCase());
    return match ? [{ project: match[1]!, version: prettyVersion(install.version) }] : [];
  });
  const core = wanted.some((install) => install.project === 'core')
    ? await composer.findCoreProjectName(registry.db)
    : undefined;
  const named = wanted.map((install) => ({
    ...install,
    project: install.project === 'core' && core ? core : install.project,
  }));
  const ids = await composer.projectIdsByName(registry.db, [...new Set(named.map((install) => install.project))]);
  const counts = new Map<string, { projectId: string; version: string; installs: number }>();
  for (const install of named) {
    const projectId = ids.get(install.project);
    if (!projectId) continue;
    const release = await releases.findByComposerVersion(registry.db, projectId, install.version);
    if (!release) continue;
    const key = `${projectId}\0${release.version}`;
    const count = counts.get(key) ?? { projectId, version: release.version, installs: 0 };
    count.installs += 1;
    counts.set(key, count);
  }
  await composer.addInstalls(registry.db, isoWeekStart(at), [...counts.values()]);
  return [...counts.values()].reduce((sum, count) => sum + count.installs, 0);
}

/** `1.2.0.0` → `1.2.0`, `1.3.0.0-RC1` → `1.3.0-rc1`; branch names as they are. */
function prettyVersion(normalized: string): string {
  if (normalized.startsWith('dev-')) return normalized;
  const match = /^(\d+\.\d+\.\d+)\.0(?:-(alpha|beta|RC)(\d+))?$/i.exec(normalized);
  return match ? `${match[1]}${match[2] ? `-${match[2].toLowerCase()}${match[3]}` : ''}` : normalized;
}

export async function getComposerInstalls(
  registry: Registry,
  name: string,
  weeks = 12,
  at = new Date(),
): Promise<InstallsWeek[]> {
  const project = await requireProject(registry, name);
  const rows = await composer.listInstalls(registry.db, project.id, weeksBefore(at, weeks - 1));
  const byWeek = new Map<string, InstallsWeek>();
  for (const row of rows) {
    let week = byWeek.get(row.week);
    if (!week)
      byWeek.set(row.week, (week = { week: isoWeekLabel(row.week), weekStart: row.week, installs: 0, versions: [] }));
    week.installs += Number(row.installs);
    week.versions.push({ version: row.version, installs: Number(row.installs) });
  }
  return [...byWeek.values()];
}

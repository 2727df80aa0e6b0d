import {
  files,
  projects,
  releases,
  type Executor,
  type ProjectRow,
  type ReleaseFileRow,
  type ReleaseRow,
} from '@packhouse/db';
import type { MakeProject, Problem } from '@packhouse/makefile';
import type { MakePlan } from './make.ts';

/** A pinned project found in Packhouse: the release to bundle and its tarball. */
export interface ResolvedProject {
  make: MakeProject;
  project: ProjectRow;
  release: ReleaseRow;
  /** The release's own tar.gz, whose bytes are checked against `tarball.sha256` as they are read. */
  tarball: ReleaseFileRow;
  /** Its zip, whose deflated entries the distribution's zips copy (checked the same way). */
  zip: ReleaseFileRow | null;
  /** Where it goes, relative to the profile (core: the site root, ''). */
  path: string;
}

export interface Resolution {
  core: ResolvedProject | null;
  projects: ResolvedProject[];
  problems: Problem[];
  /** Pinned releases still queued or building: the build waits for them (with a bound). */
  waiting: string[];
}

/**
 * Finds every pinned version among Packhouse's releases. A make file may write a legacy
 * version without its core prefix (`3.18` on a 7.x make file means `7.x-3.18`), as drush
 * make allowed. Unknown projects and releases, failed releases, dev releases and type
 * mismatches are problems at the project's line; unfinished releases are `waiting`.
 */
export async function resolveProjects(db: Executor, plan: MakePlan): Promise<Resolution> {
  const problems: Problem[] = [];
  const waiting: string[] = [];
  const problem = (make: MakeProject, message: string) => problems.push({ origin: make.origin, message });
  const subdirDefault = plan.makeFile.defaults.projects.subdir;

  const resolve = async (make: MakeProject, isCore: boolean): Promise<ResolvedProject | null> => {
    if (make.version === null) return null; // already a policy problem
    const project = await projects.findProjectByName(db, make.name);
    if (!project) {
      problem(make, `Project '${make.name}' is not a Packhouse project.`);
      return null;
    }
    const expected = isCore ? 'core' : project.type;
    if (isCore && project.type !== 'core')
      problem(make, `Project '${make.name}' is pinned as Drupal core but is a ${project.type}.`);
    if (!isCore && (project.type === 'core' || project.type === 'distribution')) {
      problem(make, `Project '${make.name}' is a ${project.type}; a distribution bundles modules and themes.`);
      return null;
    }
    if (make.type !== null && make.type !== expected)
      problem(make, `Project '${make.name}' is a ${project.type}, not a ${make.type}.`);
    const candidates = versionsToTry(make.version, plan.makeFile.core);
    let release: ReleaseRow | undefined;
    for (const version of candidates) {
      release = await releases.findRelease(db, project.id, version);
      if (release) break;
    }
    const named = `${make.name} ${make.version}`;
    if (!release) {
      problem(make, `Project '${make.name}' has no release ${candidates.map((v) => `'${v}'`).join(' or ')}.`);
      return null;
    }
    if (release.kind === 'dev') {
      problem(make, `${named} is a dev release; pin a tagged release.`);
      return null;
    }
    if (release.status === 'failed') {
      problem(make, `${make.name} ${release.version} failed to package, so it cannot be bundled.`);
      return null;
    }
    if (release.status !== 'published') {
      waiting.push(`${make.name} ${release.version}`);
      return null;
    }
    const archives = (await files.listFiles(db, [release.id])).filter((f) => f.buildId === null && f.variant === null);
    const tarball = archives.find((f) => f.archiveType === 'tar.gz');
    const zip = archives.find((f) => f.archiveType === 'zip') ?? null;
    if (!tarball) throw new Error(`${make.name} ${release.version} is published without a tarball`);
    const folder = project.type === 'theme' ? 'themes' : 'modules';
    const subdir = make.subdir ?? subdirDefault;
    const path = isCore
      ? ''
      : [folder, subdir, make.directoryName ?? make.name].filter((part) => part !== null).join('/');
    return { make, project, release, tarball, zip, path };
  };

  const core = await resolve(plan.core, true);
  const resolved: ResolvedProject[] = [];
  const places = new Map<string, string>();
  for (const make of plan.projects) {
    const found = await resolve(make, false);
    if (!found) continue;
    const taken = places.get(found.path);
    if (taken) problem(make, `Project '${make.name}' would go in ${found.path}, where '${taken}' already goes.`);
    places.set(found.path, make.name);
    resolved.push(found);
  }
  for (const library of plan.libraries) {
    const path = `${library.destination ?? 'libraries'}/${library.directoryName ?? library.name}`;
    const taken = places.get(path);
    if (taken)
      problems.push({
        origin: library.origin,
        message: `Library '${library.name}' would go in ${path}, where '${taken}' already goes.`,
      });
    places.set(path, library.name);
  }
  return { core, projects: resolved, problems, waiting };
}

/** `3.18` on a `7.x` make file: `3.18`, then `7.x-3.18`. */
function versionsToTry(version: string, core: string | null): string[] {
  if (core === null || /^\d+\.x-/.test(version)) return [version];
  return [version, `${core}-${version}`];
}

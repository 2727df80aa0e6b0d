import {
  checkPolicy,
  isCore,
  MakeFileInvalid,
  parseMakeFile,
  type MakeFile,
  type MakeLibrary,
  type MakeProject,
  type Problem,
} from '@packhouse/makefile';
import { readTreeFile, SourceRefused, type Checkout } from '@packhouse/packager';

/** What a distribution's make files ask for, read and checked against the rules the files alone decide. */
export interface MakePlan {
  /** The main make file (its includes merged). */
  makeFile: MakeFile;
  core: MakeProject;
  projects: MakeProject[];
  libraries: MakeLibrary[];
}

const MAIN = ['drupal-org.make.yml', 'drupal-org.make'];
const CORE = ['drupal-org-core.make.yml', 'drupal-org-core.make'];

/**
 * Reads `drupal-org.make(.yml)` and, if present, `drupal-org-core.make(.yml)` from the
 * profile's tree. Returns the plan and every problem found (syntax, unknown keys, pins,
 * URLs), so the build can add the problems only Packhouse's data reveals and refuse once.
 */
export async function readMakePlan(
  checkout: Checkout,
  profile: string,
  policy: { allowlist: RegExp[]; allowHttp: boolean },
): Promise<{ plan: MakePlan; problems: Problem[] }> {
  checkProfile(checkout, profile);
  const read = (path: string) => readTreeFile(checkout, path);
  const mainPath = MAIN.find((path) => has(checkout, path));
  if (!mainPath) {
    throw new SourceRefused(
      'make_file_missing',
      `a distribution needs drupal-org.make or drupal-org.make.yml at the root of its profile`,
    );
  }
  const main = await parseMakeFile(mainPath, read);
  const problems = [...main.problems, ...checkPolicy(main.makeFile, policy)];
  const corePath = CORE.find((path) => has(checkout, path));
  const coreMake = corePath ? await parseMakeFile(corePath, read) : null;
  if (coreMake) problems.push(...coreMake.problems, ...checkPolicy(coreMake.makeFile, policy));

  const pinnedInMain = main.makeFile.projects.filter(isCore);
  const pinnedInCore = coreMake?.makeFile.projects.filter(isCore) ?? [];
  for (const extra of coreMake?.makeFile.projects.filter((p) => !isCore(p)) ?? []) {
    problems.push({
      origin: extra.origin,
      message: `The core make file may only pin Drupal core; move project '${extra.name}' to ${mainPath}.`,
    });
  }
  if (coreMake && pinnedInMain.length > 0) {
    problems.push({
      origin: pinnedInMain[0]!.origin,
      message: `Drupal core is pinned in ${corePath}; remove it from ${mainPath}.`,
    });
  }
  const cores = coreMake ? pinnedInCore : pinnedInMain;
  const core = cores[0];
  if (!core) {
    problems.push({
      origin: { file: corePath ?? mainPath, line: 1 },
      message:
        'The distribution does not pin Drupal core: add projects[drupal][version] (and projects[drupal][type] = core).',
    });
  } else if (cores.length > 1) {
    problems.push({
      origin: cores[1]!.origin,
      message: `Drupal core is pinned twice ('${core.name}' and '${cores[1]!.name}').`,
    });
  }
  if (coreMake && coreMake.makeFile.core && main.makeFile.core && coreMake.makeFile.core !== main.makeFile.core) {
    problems.push({
      origin: { file: corePath!, line: 1 },
      message: `The core make file is for ${coreMake.makeFile.core}, the make file for ${main.makeFile.core}.`,
    });
  }
  const libraries = [...main.makeFile.libraries, ...(coreMake?.makeFile.libraries ?? [])];
  const plan: MakePlan = {
    makeFile: main.makeFile,
    core: core ?? {
      name: 'drupal',
      version: null,
      type: 'core',
      subdir: null,
      directoryName: null,
      patches: [],
      download: null,
      origin: { file: mainPath, line: 1 },
    },
    projects: main.makeFile.projects.filter((p) => !isCore(p)),
    libraries,
  };
  return { plan, problems };
}

/** One error for every problem, each with its make-file line; a permanent refusal. */
export function refuseProblems(problems: Problem[]): SourceRefused {
  return new SourceRefused('make_file_policy', new MakeFileInvalid(problems).message);
}

function checkProfile(checkout: Checkout, profile: string): void {
  const info = has(checkout, `${profile}.info.yml`) || has(checkout, `${profile}.info`);
  if (!info || !has(checkout, `${profile}.profile`)) {
    throw new SourceRefused(
      'distribution_not_a_profile',
      `a distribution's tree is an install profile: ${profile}.info.yml (or ${profile}.info) and ` +
        `${profile}.profile at its root`,
    );
  }
}

function has(checkout: Checkout, path: string): boolean {
  return checkout.entries.some(
    (entry) => entry.path === path && (entry.kind === 'file' || entry.kind === 'executable'),
  );
}

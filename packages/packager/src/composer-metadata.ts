import { isVersionConstraint } from '@packhouse/versions';
import { quote, SourceRefused } from './errors.ts';
import { readYaml, topLevel } from './info.ts';
import type { ProjectType, TreeEntry } from './types.ts';

/**
 * What the Composer repository says about a release, read from the tagged tree when it is
 * packaged (packages.drupal.org's rules):
 * - `require`: the tag's own `composer.json` `require`, plus `drupal/{project}: *` for every
 *   `project:module` in the root info file's `dependencies` (`drupal:…` and the project
 *   itself add nothing), plus `drupal/core` from `core_version_requirement`; what
 *   composer.json says wins.
 * - `submodules`: the other `*.info.yml` files' names (test modules excluded), published as
 *   metapackages `drupal/{submodule}` requiring this release.
 */
export interface ComposerMetadata {
  require: Record<string, string>;
  submodules: string[];
}

export interface ComposerSources {
  project: string;
  type: ProjectType;
  entries: TreeEntry[];
  /** The root `composer.json` text, or null without one. */
  composerJson: string | null;
  /** The root `{project}.info.yml` text, or null without one. */
  infoYml: string | null;
  coreCompatibility: string | null;
}

// composer/composer's schema for package names, and the platform packages it knows.
const PACKAGE_NAME = /^[a-z0-9]([_.-]?[a-z0-9]+)*\/[a-z0-9](([_.]|-{1,2})?[a-z0-9]+)*$/;
const PLATFORM_PACKAGE =
  /^(?:php(?:-64bit|-ipv6|-zts|-debug)?|hhvm|(?:ext|lib)-[a-z0-9](?:[_.-]?[a-z0-9]+)*|composer(?:-plugin|-runtime)?-api|composer)$/i;
const DEV_BRANCH = /^dev-[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const MACHINE_NAME = /^[a-z][a-z0-9_]*$/;

export function composerMetadata(sources: ComposerSources): ComposerMetadata {
  const own = sources.composerJson === null ? {} : composerJsonRequire(sources.composerJson);
  const require: Record<string, string> = {};
  if (sources.infoYml !== null) {
    for (const project of infoDependencies(sources.infoYml, `${sources.project}.info.yml`)) {
      if (project !== sources.project && project !== 'drupal') require[`drupal/${project}`] = '*';
    }
  }
  if (sources.coreCompatibility !== null && sources.type !== 'core') require['drupal/core'] = sources.coreCompatibility;
  Object.assign(require, own);
  return {
    require: sorted(require),
    submodules: sources.type === 'core' ? [] : submodules(sources.entries, sources.project),
  };
}

/** The `require` of a composer.json, checked as Composer's schema would; anything else is refused. */
export function composerJsonRequire(text: string): Record<string, string> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw refused(`is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    throw refused('is not a JSON object');
  const require = (document as Record<string, unknown>).require;
  if (require === undefined) return {};
  if (typeof require !== 'object' || require === null || Array.isArray(require))
    throw refused('has a "require" that is not an object of package names to constraints');
  const result: Record<string, string> = {};
  for (const [name, constraint] of Object.entries(require)) {
    if (!PACKAGE_NAME.test(name) && !PLATFORM_PACKAGE.test(name))
      throw refused(`requires ${JSON.stringify(name)}, which is not a package name (vendor/name, lowercase)`);
    if (typeof constraint !== 'string' || !(isVersionConstraint(constraint) || DEV_BRANCH.test(constraint.trim()))) {
      throw refused(
        `requires ${name} at ${JSON.stringify(constraint)}, which Composer cannot parse as a version constraint`,
      );
    }
    result[name.toLowerCase()] = constraint.trim();
  }
  return result;
}

/** The projects named by `dependencies: [project:module (constraint)]`; bare module names name no project. */
function infoDependencies(text: string, path: string): string[] {
  const dependencies = topLevel(readYaml(text, path), 'dependencies');
  if (!Array.isArray(dependencies)) return [];
  const projects = new Set<string>();
  for (const dependency of dependencies) {
    if (typeof dependency !== 'string') continue;
    const project = /^\s*([a-z][a-z0-9_]*):[a-z][a-z0-9_]*/.exec(dependency)?.[1];
    if (project) projects.add(project);
  }
  return [...projects];
}

function submodules(entries: TreeEntry[], project: string): string[] {
  const names = new Set<string>();
  for (const entry of entries) {
    if (entry.kind !== 'file' && entry.kind !== 'executable') continue;
    const match = /(?:^|\/)([^/]+)\.info\.yml$/.exec(entry.path);
    if (!match || entry.path === `${project}.info.yml`) continue;
    // Test modules are not for sites: drupal.org leaves them out too.
    if (entry.path.split('/').slice(0, -1).includes('tests')) continue;
    const name = match[1]!;
    if (MACHINE_NAME.test(name) && name !== project) names.add(name);
  }
  return [...names].sort();
}

function sorted(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function refused(detail: string): SourceRefused {
  return new SourceRefused('composer_json_invalid', `${quote('composer.json')} ${detail}`, 'composer.json');
}

import { branchOf, compareVersions, parseVersion, type Version } from '@packhouse/versions';
import type { FeedProject, FeedRelease } from './types.ts';

export interface LegacyMajors {
  recommended: number;
  /** Ascending. */
  supported: number[];
  default: number;
}

/**
 * The branches the feeds treat as supported: the maintainer's choice or, until they make
 * one, every branch with a published release. Otherwise a new project's releases would all
 * read as unsupported, and Drupal would urge every site using it to uninstall it.
 */
export function effectiveBranches(project: FeedProject, releases: readonly FeedRelease[]): string[] {
  if (project.supportedBranches.length > 0) return project.supportedBranches;
  return [
    ...new Set(
      releases
        .filter((release) => release.status === 'published')
        .map((release) => branchOf(parseVersion(release.version))),
    ),
  ];
}

/**
 * `supported_branches` of the current feed: the Drupal 8+ branches only (a `7.x-` branch
 * is no version a Drupal 8+ site can run, and Package Manager refuses its prefix), oldest
 * first as updates.drupal.org lists them.
 */
export function currentBranches(branches: readonly string[]): string[] {
  return branches
    .map((branch) => ({ branch, version: parseVersion(`${branch}x-dev`) }))
    .filter(({ version }) => version.core === null || version.core === '8.x')
    .sort((a, b) => compareVersions(a.version, b.version))
    .map(({ branch }) => branch);
}

/**
 * Drupal 7's view of support: the majors of the supported `{core}-{major}.`
 * branches. Recommended is the highest, default the lowest. Null when the
 * project supports nothing on that core: Drupal 7 then keeps the site on
 * its current major instead of recommending an empty one.
 */
export function legacyMajors(core: string, supportedBranches: readonly string[]): LegacyMajors | null {
  const prefix = `${core}-`;
  const majors = supportedBranches
    .filter((branch) => branch.startsWith(prefix))
    .map((branch) => /^(\d+)\.$/.exec(branch.slice(prefix.length))?.[1])
    .filter((major): major is string => major !== undefined)
    .map(Number);
  const supported = [...new Set(majors)].sort((a, b) => a - b);
  const lowest = supported[0];
  const highest = supported[supported.length - 1];
  if (lowest === undefined || highest === undefined) return null;
  return { recommended: highest, supported, default: lowest };
}

const RELEASE_TYPES = [
  ['security', 'Security update'],
  ['bugfix', 'Bug fixes'],
  ['feature', 'New features'],
] as const;

/** The "Release type" term values Drupal reads (ProjectRelease::isSecurityRelease, isInsecure, isUnsupported). */
export function releaseTypeTerms(project: FeedProject, release: FeedRelease, version: Version): string[] {
  const values: string[] = RELEASE_TYPES.filter(([type]) => release.releaseTypes.includes(type)).map(
    ([, label]) => label,
  );
  if (release.insecure) values.push('Insecure');
  // Drupal's test: strpos($version, $branch) === 0 for some supported branch.
  if (!project.supportedBranches.some((branch) => version.raw.startsWith(branch))) values.push('Unsupported');
  return values;
}

const PRE_RELEASE_LABEL = { unstable: 'Unstable', alpha: 'Alpha', beta: 'Beta', rc: 'RC' } as const;

/** The `<security>` element: covered only for a stable release of a project that opted in. */
export function securityCoverage(project: FeedProject, version: Version): { covered: boolean; text: string } {
  if (!project.securityCoverage)
    return { covered: false, text: 'Project has not opted into security advisory coverage!' };
  if (version.isDev) return { covered: false, text: 'Dev releases are not covered by Drupal security advisories.' };
  if (version.preRelease) {
    const label = PRE_RELEASE_LABEL[version.preRelease.kind];
    return { covered: false, text: `${label} releases are not covered by Drupal security advisories.` };
  }
  return { covered: true, text: "Covered by Drupal's security advisory policy" };
}

import {
  compareVersions,
  composerVersion,
  inComposerRepository,
  parseVersion,
  type Version,
} from '@packhouse/versions';
import { composerAdvisory, type ComposerAdvisory, type ComposerAdvisoryInput } from './advisory.ts';
import { minify, type ComposerVersionData } from './minify.ts';

export interface ComposerProjectInput {
  name: string;
  title: string;
  type: 'core' | 'module' | 'theme' | 'distribution';
  /** Not `published`/`insecure` (unsupported, revoked, unpublished): the package is abandoned. */
  abandoned: boolean;
  securityCoverage: boolean;
  gitUrl: string;
  /** The project's page. */
  homepage: string;
}

export interface ComposerReleaseInput {
  version: string;
  tag: string;
  kind: 'tag' | 'dev';
  commit: string;
  /** Withdrawn from new resolutions; kept downloadable for lock files. */
  unpublished: boolean;
  require: Record<string, string>;
  submodules: string[];
  /** ISO 8601. */
  time: string;
  datestamp: number;
  zipUrl: string;
  zipSha1: string;
}

/** A p2 document: `drupal/{name}.json` (tags) or `drupal/{name}~dev.json` (dev branches). */
export interface P2Document {
  packages: Record<string, ComposerVersionData[]>;
  minified: 'composer/2.0';
  'security-advisories'?: ComposerAdvisory[];
}

const TYPES = {
  core: 'drupal-core',
  module: 'drupal-module',
  theme: 'drupal-theme',
  distribution: 'drupal-profile',
} as const;

/** The project types whose packages have the Composer type `composerType`; `''` names every type. */
export function projectTypesOf(composerType: string): ComposerProjectInput['type'][] {
  const all = Object.keys(TYPES) as ComposerProjectInput['type'][];
  return composerType === '' ? all : all.filter((type) => TYPES[type] === composerType);
}

/** The Composer package name of a project: the core project is `drupal/core`. */
export function composerPackageName(project: Pick<ComposerProjectInput, 'name' | 'type'>): string {
  return project.type === 'core' ? 'drupal/core' : `drupal/${project.name}`;
}

/** The offered releases, newest first, each with its parsed version; unpublished and non-Composer ones left out. */
function offered(releases: ComposerReleaseInput[], dev: boolean): { release: ComposerReleaseInput; parsed: Version }[] {
  return releases
    .filter((release) => !release.unpublished && (release.kind === 'dev') === dev)
    .map((release) => ({ release, parsed: parseVersion(release.version) }))
    .filter(({ parsed }) => inComposerRepository(parsed) && composerVersion(parsed) !== null)
    .sort((a, b) => compareVersions(b.parsed, a.parsed));
}

/**
 * The package's p2 document for its tagged releases (`dev: false`) or its dev branches,
 * minified as Composer 2 expects. Advisories go in the tags' document, which Composer's
 * metadata-based advisory lookup reads.
 */
export function renderPackage(
  project: ComposerProjectInput,
  releases: ComposerReleaseInput[],
  advisories: ComposerAdvisoryInput[],
  { dev, repositoryUrl }: { dev: boolean; repositoryUrl: string },
): P2Document {
  const name = composerPackageName(project);
  const versions = offered(releases, dev).map(({ release, parsed }) => packageVersion(project, name, release, parsed));
  const document: P2Document = { packages: { [name]: minify(versions) }, minified: 'composer/2.0' };
  if (!dev)
    document['security-advisories'] = advisories.map((advisory) => composerAdvisory(name, advisory, repositoryUrl));
  return document;
}

function packageVersion(
  project: ComposerProjectInput,
  name: string,
  release: ComposerReleaseInput,
  parsed: Version,
): ComposerVersionData {
  const translated = composerVersion(parsed)!;
  const covered = project.securityCoverage && !parsed.isDev && parsed.extra === null;
  const extra: Record<string, unknown> = {};
  if (translated.alias !== null) extra['branch-alias'] = { [translated.version]: translated.alias };
  extra.drupal = {
    version: release.version,
    datestamp: String(release.datestamp),
    'security-coverage': covered
      ? { status: 'covered', message: "Covered by Packhouse's security advisory policy" }
      : {
          status: 'not-covered',
          message:
            parsed.isDev || parsed.extra !== null
              ? 'Dev and pre-releases are not covered by security advisories'
              : 'Project has not opted into security advisory coverage',
        },
  };
  const data: ComposerVersionData = {
    name,
    description: project.title,
    version: translated.version,
    type: TYPES[project.type],
    homepage: project.homepage,
    license: 'GPL-2.0-or-later',
    time: release.time,
    dist: { type: 'zip', url: release.zipUrl, reference: release.commit, shasum: release.zipSha1 },
    source: { type: 'git', url: project.gitUrl, reference: release.kind === 'dev' ? release.commit : release.tag },
    support: { source: project.gitUrl },
    extra,
  };
  // Sorted: the stored order is Postgres's (jsonb), not the maintainer's.
  const require = Object.entries(release.require).sort(([a], [b]) => (a < b ? -1 : 1));
  if (require.length > 0) data.require = Object.fromEntries(require);
  if (project.abandoned) data.abandoned = true;
  return data;
}

/**
 * The p2 document of `drupal/{submodule}`: a metapackage per release of the parent that
 * ships it, requiring the parent at that very version, as packages.drupal.org publishes
 * sub-modules, so that `composer require drupal/{submodule}` installs the parent.
 */
export function renderMetapackage(
  submodule: string,
  project: ComposerProjectInput,
  releases: ComposerReleaseInput[],
  { dev }: { dev: boolean },
): P2Document {
  const name = `drupal/${submodule}`;
  const parent = composerPackageName(project);
  const versions = offered(releases, dev)
    .filter(({ release }) => release.submodules.includes(submodule))
    .map(({ release, parsed }) => {
      const translated = composerVersion(parsed)!;
      const data: ComposerVersionData = {
        name,
        description: `${submodule}, a part of ${project.title}`,
        version: translated.version,
        type: 'metapackage',
        homepage: project.homepage,
        license: 'GPL-2.0-or-later',
        time: release.time,
        require: { [parent]: translated.version },
      };
      if (translated.alias !== null) data.extra = { 'branch-alias': { [translated.version]: translated.alias } };
      if (project.abandoned) data.abandoned = true;
      return data;
    });
  return { packages: { [name]: minify(versions) }, minified: 'composer/2.0' };
}

import { composer, type ComposerSourceRow, type ProjectStatus } from '@packhouse/db';
import {
  renderMetapackage,
  renderPackage,
  type ComposerProjectInput,
  type ComposerReleaseInput,
} from '@packhouse/composer';
import type { Registry } from './context.ts';
import type { FeedDocument } from './update-status.ts';
import { MACHINE_NAME } from './projects.ts';
import { downloadUrl } from './views.ts';

/**
 * The Composer v2 repository (`/composer/packages.json`, `/composer/p2/drupal/{name}.json`),
 * rendered as documents the feed cache holds beside the update-status feeds, so that the
 * same notifications and barrier keep them fresh (see docs/ARCHITECTURE.md, "Freshness").
 */
export const COMPOSER_JSON = 'application/json';
// Composer revalidates with If-Modified-Since on every run; a CDN must too, so that a
// release shows in the very next answer (304s keep that cheap).
export const COMPOSER_CACHE_CONTROL = 'public, no-cache';

/** An unsupported, revoked or unpublished project's package is `abandoned`. */
export function isAbandoned(status: ProjectStatus): boolean {
  return status !== 'published' && status !== 'insecure';
}

export function composerRepositoryUrl(registry: Registry): string {
  return `${registry.config.publicUrl}/composer`;
}

/** `/composer/packages.json`: where everything else is; the same for the process's lifetime. */
export function composerRoot(registry: Registry): Record<string, unknown> {
  const base = composerRepositoryUrl(registry);
  return {
    packages: [],
    'metadata-url': `${base}/p2/%package%.json`,
    // Composer asks this repository only for drupal/* names: the rest stays with packagist.org.
    'available-package-patterns': ['drupal/*'],
    'notify-batch': `${base}/downloads`,
    'security-advisories': { metadata: true, 'api-url': `${base}/api/security-advisories` },
    // `composer search`: Composer fills in the words and `--type` (empty when not given).
    search: `${base}/search.json?q=%query%&type=%type%`,
  };
}

/**
 * The feed cache's key of a p2 file: `:` appears in no update-status key
 * (`{project}/{selector}`), so neither can ever be served for the other.
 */
export function composerCacheKey(file: string): string {
  return `composer:${file}`;
}

/** The name part of a p2 path, `foo` or `foo~dev`; anything else answers 404. */
export function parseP2Name(file: string): { name: string; dev: boolean } | null {
  const match = /^([a-z][a-z0-9_]*)(~dev)?\.json$/.exec(file);
  return match ? { name: match[1]!, dev: match[2] !== undefined } : null;
}

function notFound(): FeedDocument {
  const body = JSON.stringify({ error: { code: 'not_found', message: 'No such package in this repository.' } });
  return {
    status: 404,
    projectId: null,
    xml: body,
    lastModified: null,
    readAt: null,
    contentType: COMPOSER_JSON,
    scope: null,
  };
}

/**
 * `drupal/{name}` (`dev`: its `~dev` file): the project of that name (the core project as
 * `drupal/core`), or else the sub-module some project's releases ship, as a metapackage.
 */
export async function composerPackage(registry: Registry, name: string, dev: boolean): Promise<FeedDocument> {
  if (!MACHINE_NAME.test(name) && name !== 'core') return notFound();
  const { db } = registry;
  let source = name === 'core' ? await findCore(registry) : await composer.findComposerSource(db, name);
  // The core project is only `drupal/core`; a sub-module never shadows a project.
  if (source?.type === 'core' && name !== 'core') source = undefined;
  let submodule: string | null = null;
  if (!source) {
    source = await composer.findComposerSource(db, name, { bySubmodule: true });
    if (!source) return notFound();
    submodule = name;
  }
  const project = projectInput(registry, source);
  const releases = releaseInputs(registry, source);
  const document =
    submodule === null
      ? renderPackage(project, releases, advisoryInputs(source), {
          dev,
          repositoryUrl: composerRepositoryUrl(registry),
        })
      : renderMetapackage(submodule, project, releases, { dev });
  return {
    status: 200,
    projectId: source.id,
    xml: JSON.stringify(document),
    lastModified: new Date(source.changedAt),
    readAt: new Date(source.readAt),
    contentType: COMPOSER_JSON,
    cacheControl: COMPOSER_CACHE_CONTROL,
    scope: source.name,
  };
}

async function findCore(registry: Registry): Promise<ComposerSourceRow | undefined> {
  const core = await composer.findCoreProjectName(registry.db);
  return core === undefined ? undefined : composer.findComposerSource(registry.db, core);
}

function projectInput(registry: Registry, source: ComposerSourceRow): ComposerProjectInput {
  return {
    name: source.name,
    title: source.title,
    type: source.type,
    abandoned: isAbandoned(source.status),
    securityCoverage: source.securityCoverage,
    gitUrl: source.gitUrl,
    homepage: `${registry.config.publicUrl}/project/${source.name}`,
  };
}

function releaseInputs(registry: Registry, source: ComposerSourceRow): ComposerReleaseInput[] {
  return source.releases
    .filter((row) => row.zipName !== null && row.zipSha1 !== null && row.commit !== null)
    .map((row) => ({
      version: row.version,
      tag: row.tag,
      kind: row.kind,
      commit: row.commit!,
      unpublished: row.feedStatus === 'unpublished',
      require: row.composerRequire === null ? {} : (JSON.parse(row.composerRequire) as Record<string, string>),
      submodules: row.submodules,
      time: row.publishedAt,
      datestamp: Number(row.datestamp),
      zipUrl: downloadUrl(registry.config.publicUrl, row.zipName!),
      zipSha1: row.zipSha1!,
    }));
}

function advisoryInputs(source: ComposerSourceRow) {
  return source.advisories.map((row) => ({
    id: row.id,
    title: row.title,
    severity: row.severity,
    affectedVersions: row.affectedVersions,
    cve: row.cve,
    link: row.link,
    reportedAt: row.createdAt,
  }));
}

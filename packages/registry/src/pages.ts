import {
  advisories,
  builds,
  ChangeListener,
  distributions,
  files,
  offerings,
  pages,
  projects,
  releaseNotes,
  releases,
  snapshot,
  usage,
  type NewRelease,
  type ProjectListing,
  type ProjectRow,
  type Readme,
  type ReleaseFileRow,
  type ReleaseRow,
} from '@packhouse/db';
import { branchOf, compareForFeed, parseVersion } from '@packhouse/versions';
import type { Registry } from './context.ts';
import { invalid, notFound } from './errors.ts';
import { isoWeekLabel, weeksBefore } from './usage/iso-week.ts';
import { distributionView } from './distribution/view.ts';
import { releaseReadme, summaryOf } from './readme.ts';
import {
  buildView,
  fileView,
  notesView,
  type BuildView,
  type DistributionView,
  type FileView,
  type ReleaseNotesView,
} from './views.ts';

/** What the pages for people show, read in one snapshot per page. */
export interface PageProject {
  name: string;
  title: string;
  type: ProjectRow['type'];
  description: string;
  status: ProjectRow['status'];
  securityCoverage: boolean;
  gitUrl: string;
  createdAt: string;
}

/** A release as people see it: the build status, and once published what the feed says of it. */
export interface PageRelease {
  version: string;
  tag: string;
  kind: 'tag' | 'dev';
  branch: string;
  /** published | unpublished | insecure | unsupported, or the build's queued | building | failed. */
  statuses: string[];
  buildStatus: ReleaseRow['status'];
  error: string | null;
  releaseTypes: string[];
  coreCompatibility: string | null;
  commit: string | null;
  date: string | null;
  createdAt: string;
  files: FileView[];
}

export interface BranchSummary {
  branch: string;
  /** The newest published, stable-first release of the branch that is neither insecure nor unpublished. */
  recommended: PageRelease | null;
  dev: PageRelease | null;
}

export interface UsageByMajor {
  /** Oldest week first, `2026-W48`. */
  weeks: string[];
  /** One series per major (`8.x-1`, `2`), sites per week in the order of `weeks`. */
  series: { major: string; sites: number[] }[];
}

export interface ProjectPageData {
  project: PageProject;
  maintainers: string[];
  branches: BranchSummary[];
  readme: Readme;
  releaseCount: number;
  usage: UsageByMajor;
  offerings: { id: string; provider: string; kind: string; title: string; description: string }[];
  /** Published security advisories, newest first. */
  advisories: { id: string; title: string; severity: string; url: string }[];
  /** Distributions whose newest published release bundles this project, by name (at most USED_BY_SHOWN). */
  usedBy: { name: string; title: string; version: string; componentVersion: string }[];
}

const USAGE_WEEKS = 12;
export const USED_BY_SHOWN = 50;

export async function projectPage(registry: Registry, name: string, at = new Date()): Promise<ProjectPageData> {
  const project = await requireVisible(registry, name);
  const data = await snapshot(registry.db, async (tx) => {
    const [maintainers, rows, usageRows, offeringRows, advisoryRows, usedBy] = await Promise.all([
      projects.listMaintainerNames(tx, project.id),
      releases.listReleases(tx, project.id),
      usage.weeklyUsage(tx, project.id, weeksBefore(at, USAGE_WEEKS - 1)),
      offerings.listOfferings(tx, project.id),
      advisories.listProjectAdvisories(tx, project.id),
      distributions.listBundlingDistributions(tx, project.id, USED_BY_SHOWN),
    ]);
    const fileRows = await files.listFiles(
      tx,
      rows.map((row) => row.id),
    );
    return { maintainers, rows, usageRows, offeringRows, advisoryRows, usedBy, fileRows };
  });
  const all = pageReleases(registry, project, data.rows, data.fileRows);
  const latest = all
    .filter((release) => release.kind === 'tag' && release.buildStatus === 'published')
    .sort(byVersion)[0];
  const latestRow = latest && data.rows.find((row) => row.version === latest.version);
  const readme = latestRow
    ? await releaseReadme(
        registry,
        project.id,
        latestRow.id,
        data.fileRows.find((f) => f.releaseId === latestRow.id && f.archiveType === 'tar.gz'),
        true,
      )
    : { fileName: null, body: null };
  return {
    // The description shown is the README's, just read: the row may predate it.
    project: { ...pageProject(project), description: latestRow ? summaryOf(readme) : project.description },
    maintainers: data.maintainers,
    branches: branchSummaries(project, all),
    readme,
    releaseCount: all.length,
    usage: usageByMajor(data.usageRows, at),
    offerings: data.offeringRows.map(({ id, provider, kind, title, description }) => ({
      id,
      provider,
      kind,
      title,
      description,
    })),
    advisories: data.advisoryRows
      .filter((row) => row.status === 'published')
      .reverse()
      .map(({ id, title, severity, link }) => ({
        id,
        title,
        severity,
        url: link ?? `${registry.config.publicUrl}/api/v1/projects/${project.name}/advisories/${id}`,
      })),
    usedBy: data.usedBy,
  };
}

export interface ReleasesPageData {
  project: PageProject;
  branches: string[];
  /** The page asked for (all of them without one), newest first. */
  releases: PageRelease[];
  /** Releases in all pages. */
  total: number;
  page: number;
  pageSize: number;
}

/** Releases a page lists: a project with hundreds of them keeps each page well under 100 KB. */
export const RELEASES_PAGE_SIZE = 100;

/**
 * Every release, newest first; `branch` keeps one branch's (`8.x-1.`, `2.0.`), `page` one
 * page of RELEASES_PAGE_SIZE (without it, all of them).
 */
export async function releasesPage(
  registry: Registry,
  name: string,
  branch?: string,
  page?: number,
): Promise<ReleasesPageData> {
  const project = await requireVisible(registry, name);
  const { rows, fileRows } = await snapshot(registry.db, async (tx) => {
    const rows = await releases.listReleases(tx, project.id);
    return {
      rows,
      fileRows: await files.listFiles(
        tx,
        rows.map((row) => row.id),
      ),
    };
  });
  const all = pageReleases(registry, project, rows, fileRows).sort(byVersion);
  const branches = [...new Set(all.map((release) => release.branch))];
  if (branch !== undefined && !branches.includes(branch)) {
    throw notFound(`${name} has no branch "${branch}"; its branches are ${branches.join(', ') || 'none yet'}.`);
  }
  const listed = branch === undefined ? all : all.filter((release) => release.branch === branch);
  const pageSize = page === undefined ? Math.max(listed.length, 1) : RELEASES_PAGE_SIZE;
  const number = page ?? 1;
  if (number > 1 && (number - 1) * pageSize >= listed.length) {
    throw notFound(`${name} has ${listed.length} releases here: page ${number} is past the last.`);
  }
  return {
    project: pageProject(project),
    branches,
    releases: listed.slice((number - 1) * pageSize, number * pageSize),
    total: listed.length,
    page: number,
    pageSize,
  };
}

/** One input of a built distribution, as its release page lists it. */
export interface BundledComponent {
  kind: 'core' | 'project' | 'library' | 'patch';
  name: string;
  version: string | null;
  /** Core and projects: the Packhouse release bundled, and whether it is marked insecure now. */
  release: { project: string; version: string; insecure: boolean } | null;
  /** Patches: the project they were applied to. */
  appliedTo: string | null;
  sourceUrl: string;
  sha256: string;
}

export interface ReleasePageData {
  project: PageProject;
  release: PageRelease;
  /** The annotated tag's message and time; null for a lightweight tag (or a dev release). */
  notes: ReleaseNotesView | null;
  builds: BuildView[];
  /** Distribution releases: the build of the make file into whole-site archives. */
  distribution: DistributionView | null;
  /** Distribution releases, once built: every component, as in the CycloneDX file. */
  billOfMaterials: BundledComponent[];
}

export async function releasePage(registry: Registry, name: string, version: string): Promise<ReleasePageData> {
  const project = await requireVisible(registry, name);
  return snapshot(registry.db, async (tx) => {
    const row = await releases.findRelease(tx, project.id, version);
    if (!row) throw notFound(`${name} has no release ${version}.`);
    const isDistribution = project.type === 'distribution';
    const [fileRows, history, notes, distribution, components] = await Promise.all([
      files.listFiles(tx, [row.id]),
      row.kind === 'dev' ? builds.listBuilds(tx, row.id) : [],
      row.kind === 'tag' ? releaseNotes.findNotes(tx, row.id) : undefined,
      isDistribution ? distributionView(tx, row) : null,
      isDistribution ? distributions.listComponentsForPage(tx, row.id) : [],
    ]);
    const [release] = pageReleases(registry, project, [row], fileRows);
    return {
      project: pageProject(project),
      release: release!,
      notes: notesView(notes),
      builds: history.map((build) => buildView(registry.config.publicUrl, build, fileRows)),
      distribution,
      billOfMaterials: components.map((c) => ({
        kind: c.kind,
        name: c.name,
        version: c.version,
        release:
          c.project && c.releaseVersion
            ? { project: c.project, version: c.releaseVersion, insecure: c.insecure ?? false }
            : null,
        appliedTo: c.appliedTo,
        sourceUrl: c.sourceUrl,
        sha256: c.sha256,
      })),
    };
  });
}

export interface HomePageData {
  newest: NewRelease[];
  mostUsed: (ProjectListing & { sites: number })[];
}

export async function homePage(registry: Registry): Promise<HomePageData> {
  const [newest, mostUsed] = await Promise.all([
    pages.newestReleases(registry.db, 10),
    pages.mostUsedProjects(registry.db, 10),
  ]);
  return { newest, mostUsed };
}

export const SEARCH_PAGE_SIZE = 20;

export async function searchPage(registry: Registry, query: string, page: number) {
  const q = query.trim();
  if (q.length > 200) throw invalid('q: a search is at most 200 characters');
  if (q === '') return { query: q, page, hits: [], total: 0, pageSize: SEARCH_PAGE_SIZE };
  const found = await pages.searchProjects(registry.db, q, {
    limit: SEARCH_PAGE_SIZE,
    offset: (page - 1) * SEARCH_PAGE_SIZE,
  });
  return { query: q, page, pageSize: SEARCH_PAGE_SIZE, ...found };
}

async function requireVisible(registry: Registry, name: string): Promise<ProjectRow> {
  const project = await projects.findProjectByName(registry.db, name);
  if (!project) throw notFound(`No project named "${name}".`);
  return project;
}

function pageProject(project: ProjectRow): PageProject {
  const { name, title, type, description, status, securityCoverage, gitUrl } = project;
  return {
    name,
    title,
    type,
    description,
    status,
    securityCoverage,
    gitUrl,
    createdAt: project.createdAt.toISOString(),
  };
}

function pageReleases(
  registry: Registry,
  project: ProjectRow,
  rows: ReleaseRow[],
  fileRows: ReleaseFileRow[],
): PageRelease[] {
  const branches = supportedBranches(project, rows);
  return rows.map((row) => {
    const version = parseVersion(row.version);
    const statuses: string[] = [];
    if (row.status !== 'published') statuses.push(row.status);
    else {
      statuses.push(row.feedStatus);
      if (row.insecure) statuses.push('insecure');
      if (!branches.some((branch) => row.version.startsWith(branch))) statuses.push('unsupported');
    }
    return {
      version: row.version,
      tag: row.tag,
      kind: row.kind,
      branch: branchOf(version),
      statuses,
      buildStatus: row.status,
      error: row.error,
      releaseTypes: row.releaseTypes,
      coreCompatibility: row.coreCompatibility,
      commit: row.commit,
      date: row.commitTime?.toISOString() ?? null,
      createdAt: row.createdAt.toISOString(),
      files: fileRows
        .filter((file) => file.releaseId === row.id && file.buildId === row.currentBuildId)
        .map((file) => fileView(registry.config.publicUrl, file, project.type === 'distribution'))
        .sort(byDownloadOrder),
    };
  });
}

// A distribution's downloads as people choose them: the whole site first, then less of it, the bill of materials last.
const VARIANT_ORDER = ['full', 'projects', 'profile-only', 'sbom', null];
const byDownloadOrder = (a: FileView, b: FileView) =>
  VARIANT_ORDER.indexOf(a.variant) - VARIANT_ORDER.indexOf(b.variant) || a.archiveType.localeCompare(b.archiveType);

/** The maintainer's choice, or (as the feeds do) every branch with a published release. */
function supportedBranches(project: ProjectRow, rows: ReleaseRow[]): string[] {
  if (project.supportedBranches.length > 0) return project.supportedBranches;
  return [
    ...new Set(rows.filter((row) => row.status === 'published').map((row) => branchOf(parseVersion(row.version)))),
  ];
}

const byVersion = (a: PageRelease, b: PageRelease) => compareForFeed(parseVersion(a.version), parseVersion(b.version));

function branchSummaries(project: ProjectRow, all: PageRelease[]): BranchSummary[] {
  const published = all.filter((release) => release.buildStatus === 'published');
  const branches = supportedBranches(project, [])
    .concat(project.supportedBranches.length > 0 ? [] : [...new Set(published.map((release) => release.branch))])
    .sort((a, b) => compareForFeed(parseVersion(`${a}x-dev`), parseVersion(`${b}x-dev`)));
  return branches.map((branch) => {
    const candidates = published
      .filter(
        (release) =>
          release.version.startsWith(branch) &&
          release.statuses.includes('published') &&
          !release.statuses.includes('insecure'),
      )
      .sort(byVersion);
    const tagged = candidates.filter((release) => release.kind === 'tag');
    const stable = tagged.find((release) => parseVersion(release.version).preRelease === null);
    return {
      branch,
      recommended: stable ?? tagged[0] ?? null,
      dev: candidates.find((release) => release.kind === 'dev') ?? null,
    };
  });
}

/** `8.x-1` for legacy versions, `2` for semantic ones: what sites upgrade within. */
function majorOf(version: string): string {
  try {
    const parsed = parseVersion(version);
    return parsed.core ? `${parsed.core}-${parsed.major}` : String(parsed.major);
  } catch {
    return 'other';
  }
}

function usageByMajor(rows: { week: string; version: string; sites: number }[], at: Date): UsageByMajor {
  const starts = Array.from({ length: USAGE_WEEKS }, (_, i) => weeksBefore(at, USAGE_WEEKS - 1 - i));
  const series = new Map<string, number[]>();
  for (const row of rows) {
    const index = starts.indexOf(row.week);
    if (index < 0) continue;
    const major = majorOf(row.version);
    let sites = series.get(major);
    if (!sites) series.set(major, (sites = new Array<number>(USAGE_WEEKS).fill(0)));
    sites[index]! += row.sites;
  }
  return {
    weeks: starts.map(isoWeekLabel),
    series: [...series]
      .map(([major, sites]) => ({ major, sites }))
      .sort((a, b) => b.sites.reduce((x, y) => x + y, 0) - a.sites.reduce((x, y) => x + y, 0)),
  };
}

/** The channel the page triggers (migration 20261129170100) notify with a project's name. */
const PAGES_CHANNEL = 'packhouse_pages';

/** A listener for changes to a project's pages, for the API's page cache. */
export function listenForPageChanges(
  registry: Registry,
  handlers: { onChange(project: string): void; onReset(): void },
): ChangeListener {
  return new ChangeListener({
    databaseUrl: registry.config.databaseUrl,
    channel: PAGES_CHANNEL,
    applicationName: 'packhouse-page-listener',
    log: registry.log,
    ...handlers,
  });
}

/** Whether the signed-in user may use the maintainer forms of the project (as the API decides). */
export async function canMaintain(
  registry: Registry,
  actor: { id: string; isAdmin: boolean },
  name: string,
): Promise<boolean> {
  if (actor.isAdmin) return true;
  const project = await projects.findProjectByName(registry.db, name);
  return project !== undefined && (await projects.findRole(registry.db, project.id, actor.id)) !== null;
}

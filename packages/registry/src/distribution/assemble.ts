import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { download, DownloadRefused, type DownloadOptions } from '@packhouse/downloads';
import type { MakeLibrary, Origin, Problem } from '@packhouse/makefile';
import {
  listDirectory,
  sniffArchive,
  SiteTree,
  SourceRefused,
  unpackTarGz,
  unpackZip,
  type ComponentZip,
  type TreeSource,
} from '@packhouse/packager';
import type { Registry } from '../context.ts';
import { downloadUrl } from '../views.ts';
import type { Component } from './components.ts';
import { refuseProblems } from './make.ts';
import { applyPatch } from './patches.ts';
import type { ResolvedProject } from './resolve.ts';
import { loadComponent, type StoredComponent, type StoredFile } from './stored-component.ts';

export interface AssembleInput {
  /** An empty folder of this attempt. */
  work: string;
  /** Every component zip opened (their deflated entries are copied into the distribution's zips); the caller closes them. */
  zips: ComponentZip[];
  profile: { name: string; version: string; tarball: StoredFile; zip: StoredFile | null };
  core: ResolvedProject;
  projects: ResolvedProject[];
  libraries: MakeLibrary[];
}

export interface Assembled {
  /** The whole site: core at the top, the profile in `profiles/{name}`. */
  site: SiteTree;
  /** The profile's folder in the site, with its projects and libraries: the `-no-core` tree. */
  profileAt: string;
  components: Component[];
}

const PARALLEL = 4;

/**
 * Builds the site: core at the top, the profile under `profiles/{name}`, each project in its
 * folder under the profile and each library in its own, patches applied. Every component
 * comes from Packhouse's own storage, its sha256 checked against the index before it is read
 * (`stored-component.ts`); libraries and patches come through the hostile-download client
 * (cached by sha256). Only patched components and libraries are written out as files; the
 * rest stay in their tarballs. Nothing is archived from here until every check has passed.
 */
export async function assemble(registry: Registry, input: AssembleInput): Promise<Assembled> {
  const { work, zips, profile } = input;
  const components: Component[] = [];
  const downloads = downloadOptions(registry);

  // Every library and patch first, all at once: every refusal is reported together.
  const fetched = await fetchAll(input, downloads);

  await mkdir(path.join(work, 'archives'));
  await mkdir(path.join(work, 'trees'));
  // The profile's own tarball too, so its info file carries its own stamp.
  const profileComponent: StoredComponent = { tarball: profile.tarball, zip: profile.zip, top: profile.name };
  const releases = new Map<ResolvedProject, StoredComponent>();
  for (const resolved of [input.core, ...input.projects]) {
    const { tarball, zip, make } = resolved;
    const patch = (dir: string) => patchProject(resolved, dir, fetched, components);
    releases.set(resolved, { tarball, zip, top: topOf(resolved), ...(make.patches.length > 0 && { patch }) });
    components.push(component(registry, resolved, resolved === input.core ? 'core' : 'project'));
  }
  const sources = new Map<StoredComponent, TreeSource>();
  await inParallel([profileComponent, ...releases.values()], async (stored) => {
    sources.set(stored, await loadComponent(registry, work, stored, zips));
  });
  const sourceOf = (resolved: ResolvedProject) => sources.get(releases.get(resolved)!)!;

  const site = new SiteTree(registry.config.limits);
  site.place('', sourceOf(input.core));
  const profileAt = `profiles/${profile.name}`;
  if (site.has(profileAt))
    throw new SourceRefused('path_conflict', `Drupal core already has a profile named ${profile.name}`);
  site.place(profileAt, sources.get(profileComponent)!);
  for (const project of input.projects) site.place(`${profileAt}/${project.path}`, sourceOf(project));

  for (const library of input.libraries) {
    const got = fetched.get(library.download!.url!)!;
    const relative = `${library.destination ?? 'libraries'}/${library.directoryName ?? library.name}`;
    const at = `${profileAt}/${relative}`;
    if (site.has(at))
      throw new SourceRefused('path_conflict', `library '${library.name}' would overwrite ${path.posix.basename(at)}`);
    const root = await unpackLibrary(library, got.file, path.join(work, `library-${library.name}`), registry);
    site.place(at, { kind: 'folder', entries: await listDirectory(root, registry.config.limits), zip: null });
    components.push({
      kind: 'library',
      name: library.name,
      version: null,
      releaseId: null,
      appliedTo: null,
      sourceUrl: library.download!.url!,
      sha256: got.sha256,
      origin: library.origin,
      path: relative,
    });
  }
  return { site, profileAt, components: order(components) };
}

function topOf({ project, release }: ResolvedProject): string {
  return project.type === 'core' ? `${project.name}-${release.version}` : project.name;
}

function downloadOptions(registry: Registry): DownloadOptions {
  const settings = registry.config.distributions;
  return {
    cacheDir: settings.cacheDir,
    maxBytes: settings.downloadMaxBytes,
    timeoutMs: settings.downloadTimeoutMs,
    maxRedirects: 5,
    insecureOrigins: settings.insecureOrigins,
  };
}

type Fetched = Map<string, { file: string; sha256: string }>;

/** Downloads every library and patch (verified, cached); all refusals become one error with their lines. */
async function fetchAll(input: AssembleInput, options: DownloadOptions): Promise<Fetched> {
  const wanted = new Map<string, { origin: Origin; sha256: string | null; md5: string | null }>();
  for (const library of input.libraries) {
    const { url, sha256, md5 } = library.download!;
    wanted.set(url!, { origin: library.download!.origin, sha256, md5 });
  }
  for (const project of [input.core, ...input.projects]) {
    for (const patch of project.make.patches)
      wanted.set(patch.url, { origin: patch.origin, sha256: patch.sha256, md5: patch.md5 });
  }
  const fetched: Fetched = new Map();
  const problems: Problem[] = [];
  const entries = [...wanted];
  await inParallel(entries, async ([url, { origin, sha256, md5 }]) => {
    try {
      const got = await download(url, { sha256, md5 }, options);
      fetched.set(url, got);
    } catch (error) {
      if (!(error instanceof DownloadRefused)) throw error;
      problems.push({ origin, message: `The download ${error.message} (rule ${error.rule}).` });
    }
  });
  if (problems.length > 0) throw refuseProblems(problems);
  return fetched;
}

async function patchProject(
  project: ResolvedProject,
  dir: string,
  fetched: Fetched,
  components: Component[],
): Promise<void> {
  for (const patch of project.make.patches) {
    const got = fetched.get(patch.url)!;
    await applyPatch(dir, got.file, {
      patch: patch.url,
      project: project.make.name,
      line: `${patch.origin.file}:${patch.origin.line}`,
    });
    components.push({
      kind: 'patch',
      name: patch.key ?? path.posix.basename(new URL(patch.url).pathname),
      version: null,
      releaseId: null,
      appliedTo: project.make.name,
      sourceUrl: patch.url,
      sha256: got.sha256,
      origin: patch.origin,
      path: project.path || null,
    });
  }
}

function component(registry: Registry, resolved: ResolvedProject, kind: 'core' | 'project'): Component {
  const { project, release, tarball } = resolved;
  return {
    kind,
    name: project.name,
    version: release.version,
    releaseId: release.id,
    appliedTo: null,
    sourceUrl: downloadUrl(registry.config.publicUrl, tarball.name),
    sha256: tarball.sha256,
    origin: resolved.make.origin,
    path: resolved.path || null,
  };
}

/**
 * Unpacks a library into `scratch` and returns the folder that becomes the library's: its
 * `subtree` only, or the single folder the archive holds, as drush make did; any other file
 * is kept under its own name.
 */
async function unpackLibrary(library: MakeLibrary, file: string, scratch: string, registry: Registry): Promise<string> {
  const head = Buffer.alloc(4);
  const handle = await open(file, 'r');
  await handle.read(head, 0, 4, 0).finally(() => handle.close());
  const kind = sniffArchive(head);
  const refuse = (error: unknown): never => {
    if (error instanceof SourceRefused)
      throw new SourceRefused(
        error.rule,
        `library '${library.name}' (${library.origin.file}:${library.origin.line}): ${error.message}`,
        error.path,
      );
    throw error;
  };
  await mkdir(scratch);
  if (kind === null) {
    const name = path.posix.basename(new URL(library.download!.url!).pathname) || library.name;
    await copyFile(file, path.join(scratch, name));
    return scratch;
  }
  const options = { limits: registry.config.limits };
  await (
    kind === 'zip' ? unpackZip(file, scratch, options) : unpackTarGz(createReadStream(file), scratch, options)
  ).catch(refuse);
  let root = scratch;
  const subtree = library.download!.subtree;
  if (subtree) {
    root = path.join(scratch, subtree);
    if (!(await stat(root).catch(() => null))?.isDirectory()) {
      throw new SourceRefused(
        'library_subtree_missing',
        `library '${library.name}' has no folder ${subtree} in its archive`,
      );
    }
  } else {
    const top = await readdir(scratch);
    if (top.length === 1 && (await stat(path.join(scratch, top[0]!))).isDirectory()) root = path.join(scratch, top[0]!);
  }
  return root;
}

async function inParallel<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const lane = async () => {
    while (next < items.length && failures.length === 0) {
      const item = items[next++]!;
      await work(item).catch((error: unknown) => failures.push(error));
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, lane));
  if (failures.length > 0) throw failures[0];
}

/** Core, then projects, libraries and patches, each by name: the order of the bill of materials. */
function order(components: Component[]): Component[] {
  const rank = { core: 0, project: 1, library: 2, patch: 3 } as const;
  return components.sort(
    (a, b) =>
      rank[a.kind] - rank[b.kind] ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
      (a.appliedTo ?? '').localeCompare(b.appliedTo ?? ''),
  );
}

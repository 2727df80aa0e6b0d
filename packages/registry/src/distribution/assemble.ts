import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { download, DownloadRefused, type DownloadOptions } from '@packhouse/downloads';
import type { MakeLibrary, Origin, Problem } from '@packhouse/makefile';
import { sniffArchive, SourceRefused, unpackTarGz, unpackZip, type ZipReuse } from '@packhouse/packager';
import type { Registry } from '../context.ts';
import { downloadUrl } from '../views.ts';
import type { Component } from './components.ts';
import { refuseProblems } from './make.ts';
import { applyPatch } from './patches.ts';
import type { ResolvedProject } from './resolve.ts';

interface StoredFile {
  storageKey: string;
  sha256: string;
  name: string;
}

export interface AssembleInput {
  /** An empty folder of this attempt. */
  work: string;
  /** Gets every component's zip, so the distribution's zips copy their deflated entries. */
  reuse: ZipReuse;
  profile: { name: string; version: string; tarball: StoredFile; zip: StoredFile | null };
  core: ResolvedProject;
  projects: ResolvedProject[];
  libraries: MakeLibrary[];
}

export interface Assembled {
  /** The whole site: core at the top, the profile in `profiles/{name}`. */
  siteDir: string;
  /** The profile with its projects and libraries: the `-no-core` tree. */
  profileDir: string;
  components: Component[];
}

const PARALLEL = 4;

/**
 * Builds the site on disk: core, then the profile under `profiles/{name}`, then each
 * project in its folder and each library in its own, patches applied as they land. Every
 * component is streamed from Packhouse's own storage and its sha256 checked against the
 * index as it is read; libraries and patches come through the hostile-download client
 * (cached by sha256). Nothing is archived from here until every check has passed.
 */
export async function assemble(registry: Registry, input: AssembleInput): Promise<Assembled> {
  const siteDir = path.join(input.work, 'site');
  const profileDir = path.join(siteDir, 'profiles', input.profile.name);
  const components: Component[] = [];
  const downloads = downloadOptions(registry);

  // Every library and patch first, all at once: every refusal is reported together.
  const fetched = await fetchAll(input, downloads);

  await mkdir(siteDir);
  // The zips are fetched and indexed while the tarballs are unpacked.
  const indexing = indexZips(registry, input, siteDir, profileDir);
  indexing.catch(() => {}); // awaited below
  components.push(await unpackRelease(registry, input.core, siteDir, 'core'));
  await patchProject(input.core, siteDir, fetched, components);
  if (await exists(profileDir))
    throw new SourceRefused('path_conflict', `Drupal core already has a profile named ${input.profile.name}`);
  await mkdir(profileDir, { recursive: true });
  await unpackStored(registry, input.profile.tarball, profileDir, input.profile.name);

  await inParallel(input.projects, async (project) => {
    const dir = path.join(profileDir, project.path);
    await mkdir(dir, { recursive: true });
    components.push(await unpackRelease(registry, project, dir, 'project'));
    await patchProject(project, dir, fetched, components);
  });
  for (const library of input.libraries) {
    const got = fetched.get(library.download!.url!)!;
    const relative = `${library.destination ?? 'libraries'}/${library.directoryName ?? library.name}`;
    await placeLibrary(
      library,
      got.file,
      path.join(input.work, `library-${library.name}`),
      path.join(profileDir, relative),
      registry,
    );
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
  await indexing;
  return { siteDir, profileDir, components: order(components) };
}

/**
 * Fetches the zip of core, the profile and each project (sha256 checked against the index)
 * into the attempt's folder and indexes its entries by where each file now lies. Patched
 * files are indexed too: `ZipReuse` copies an entry only while the file still has its CRC-32.
 */
async function indexZips(registry: Registry, input: AssembleInput, siteDir: string, profileDir: string) {
  const folder = path.join(input.work, 'zips');
  await mkdir(folder);
  const { core, profile, projects } = input;
  const sources = [
    { file: core.zip, top: topOf(core), place: (relative: string) => path.join(siteDir, relative) },
    { file: profile.zip, top: profile.name, place: (relative: string) => path.join(profileDir, relative) },
    ...projects.map((project) => ({
      file: project.zip,
      top: topOf(project),
      place: (relative: string) => path.join(profileDir, project.path, relative),
    })),
  ];
  await inParallel(sources, async ({ file, top, place }) => {
    if (!file) return;
    const local = path.join(folder, file.name);
    await readStored(registry, file, (body) => pipeline(body, createWriteStream(local)));
    await input.reuse.add(local, top, place);
  });
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

async function unpackRelease(
  registry: Registry,
  resolved: ResolvedProject,
  dir: string,
  kind: 'core' | 'project',
): Promise<Component> {
  const { project, release, tarball } = resolved;
  await unpackStored(registry, tarball, dir, topOf(resolved));
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

/** Streams a published tarball out of S3 into `dir`, its sha256 checked against the index. */
function unpackStored(registry: Registry, file: StoredFile, dir: string, top: string): Promise<void> {
  return readStored(registry, file, (body) => unpackTarGz(body, dir, { limits: registry.config.limits, strip: top }));
}

/** Hands a published file's bytes to `consume`, then checks their sha256 against the index. */
async function readStored(
  registry: Registry,
  file: StoredFile,
  consume: (body: Readable) => Promise<void>,
): Promise<void> {
  const object = await registry.storage.get(file.storageKey);
  if (!object) throw new Error(`${file.name} is missing from storage (${file.storageKey})`);
  const hash = createHash('sha256');
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  await consume(object.body.pipe(hashing));
  const actual = hash.digest('hex');
  if (actual !== file.sha256) {
    throw new SourceRefused(
      'component_checksum_mismatch',
      `${file.name} read from storage has sha256 ${actual}, the index says ${file.sha256}`,
    );
  }
}

/**
 * Puts a library in place: an archive is unpacked (its `subtree` only, or the single
 * folder it holds, as drush make did); any other file is kept under its own name.
 */
async function placeLibrary(
  library: MakeLibrary,
  file: string,
  scratch: string,
  target: string,
  registry: Registry,
): Promise<void> {
  if (await exists(target))
    throw new SourceRefused('path_conflict', `library '${library.name}' would overwrite ${path.basename(target)}`);
  await mkdir(path.dirname(target), { recursive: true });
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
  if (kind === null) {
    await mkdir(target);
    const name = path.posix.basename(new URL(library.download!.url!).pathname) || library.name;
    await copyFile(file, path.join(target, name));
    return;
  }
  await mkdir(scratch);
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
  await rename(root, target);
}

async function exists(file: string): Promise<boolean> {
  return (await stat(file).catch(() => null)) !== null;
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

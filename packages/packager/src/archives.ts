import { Readable } from 'node:stream';
import { composerMetadata, type ComposerMetadata } from './composer-metadata.ts';
import { SourceRefused } from './errors.ts';
import { git, type GitContext } from './git.ts';
import { coreCompatibility, decodeInfoText } from './info.ts';
import { BlobReader } from './blobs.ts';
import { planArchive } from './layout.ts';
import { SharedBlobs } from './shared-blobs.ts';
import { checkProjectName } from './source.ts';
import { tarGz } from './tar.ts';
import type { Checkout, Release } from './types.ts';
import { zip } from './zip.ts';

export interface Archives {
  /** `${project}-${version}`: add `.tar.gz` / `.zip`. */
  baseName: string;
  tarGz: Readable;
  zip: Readable;
  /**
   * `core_version_requirement` of `${project}.info.yml` at the tree root, if present; a value
   * Drupal would refuse makes `archives()` throw SourceRefused (see `coreCompatibility`).
   */
  coreCompatibility: string | null;
  /** What the Composer repository publishes for this release; a malformed composer.json is refused. */
  composer: ComposerMetadata;
}

/**
 * Both archives of a checkout as streams, reading the blobs once for both through one git
 * process (see shared-blobs.ts), started only when first read; consume or destroy both.
 */
export async function archives(checkout: Checkout, release: Release): Promise<Archives> {
  checkProjectName(release.project);
  // The version lands in file names and, for core, in the top folder.
  if (!/^[0-9A-Za-z][0-9A-Za-z.+_-]*$/.test(release.version) || release.version.includes('..')) {
    throw new Error(`invalid version ${JSON.stringify(release.version)}`);
  }
  const ctx: GitContext = { options: checkout.git, gitDir: checkout.repoDir };
  const planned = planArchive(checkout, release, ctx);
  // Two writers, the tar.gz and the zip, read the same blobs in the same order.
  const blobs = new SharedBlobs(planned.blobOids, 2, (oids) => BlobReader.open(ctx, oids));
  const plan = { ...planned, openReader: () => blobs.openReader() };
  const [infoYml, composerJson] = await Promise.all([
    readRootFile(ctx, checkout, `${release.project}.info.yml`),
    readRootFile(ctx, checkout, 'composer.json'),
  ]);
  const requirement = infoYml === null ? null : coreCompatibility(infoYml, `${release.project}.info.yml`);
  if (composerJson === null && checkout.entries.some((e) => e.path === 'composer.json')) {
    throw new SourceRefused(
      'composer_json_invalid',
      '`composer.json` is not a text file (a link, a directory, NUL bytes or invalid UTF-8)',
      'composer.json',
    );
  }
  return {
    baseName: `${release.project}-${release.version}`,
    tarGz: lazily(
      () => tarGz(plan),
      () => blobs.forgo(),
    ),
    zip: lazily(
      () => zip(plan),
      () => blobs.forgo(),
    ),
    coreCompatibility: requirement,
    composer: composerMetadata({
      project: release.project,
      type: release.type,
      entries: checkout.entries,
      composerJson,
      infoYml,
      coreCompatibility: requirement,
    }),
  };
}

/** A regular file at the tree root as text; null when absent or not text (NUL, invalid UTF-8). */
async function readRootFile(ctx: GitContext, checkout: Checkout, path: string): Promise<string | null> {
  const entry = checkout.entries.find((e) => e.path === path && (e.kind === 'file' || e.kind === 'executable'));
  if (!entry) return null;
  const known = checkout.texts?.get(path);
  if (known !== undefined) return known;
  return decodeInfoText(await git(ctx, ['cat-file', 'blob', entry.oid], { maxBytes: entry.size }));
}

/**
 * A Readable that builds its source (and spawns git) on the first read; `abandoned` is
 * called instead if it is destroyed before that.
 */
export function lazily(start: () => Readable, abandoned?: () => void): Readable {
  let source: Readable | undefined;
  const output = new Readable({
    read() {
      if (source) {
        source.resume();
        return;
      }
      source = start();
      source.on('data', (chunk: Buffer) => {
        if (!output.push(chunk)) source?.pause();
      });
      let ended = false;
      source.on('end', () => {
        ended = true;
        output.push(null);
      });
      source.on('error', (error) => output.destroy(error));
      source.on('close', () => {
        if (!ended && !output.destroyed) output.destroy(new Error('archive source closed before it ended'));
      });
    },
    destroy(error, callback) {
      if (source) source.destroy();
      else abandoned?.();
      callback(error);
    },
  });
  return output;
}

import { Readable } from 'node:stream';
import { git, type GitContext } from './git.ts';
import { coreCompatibility, decodeInfoText } from './info.ts';
import { planArchive } from './layout.ts';
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
}

/**
 * Both archives of a checkout as streams, each reading blobs through its own git process,
 * started only when first read; consume or destroy both.
 */
export async function archives(checkout: Checkout, release: Release): Promise<Archives> {
  checkProjectName(release.project);
  // The version lands in file names and, for core, in the top folder.
  if (!/^[0-9A-Za-z][0-9A-Za-z.+_-]*$/.test(release.version) || release.version.includes('..')) {
    throw new Error(`invalid version ${JSON.stringify(release.version)}`);
  }
  const ctx: GitContext = { options: checkout.git, gitDir: checkout.repoDir };
  const plan = planArchive(checkout, release);
  return {
    baseName: `${release.project}-${release.version}`,
    tarGz: lazily(() => tarGz(ctx, plan)),
    zip: lazily(() => zip(ctx, plan)),
    coreCompatibility: await readCoreCompatibility(ctx, checkout, release.project),
  };
}

async function readCoreCompatibility(ctx: GitContext, checkout: Checkout, project: string): Promise<string | null> {
  const info = checkout.entries.find(
    (e) => e.path === `${project}.info.yml` && (e.kind === 'file' || e.kind === 'executable'),
  );
  if (!info) return null;
  const text = decodeInfoText(await git(ctx, ['cat-file', 'blob', info.oid], { maxBytes: info.size }));
  return text === null ? null : coreCompatibility(text, info.path);
}

/** A Readable that builds its source (and spawns git) on the first read. */
function lazily(start: () => Readable): Readable {
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
      source?.destroy();
      callback(error);
    },
  });
  return output;
}

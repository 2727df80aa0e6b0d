import { parseVersion } from './parse.ts';
import type { Version } from './types.ts';

/**
 * A Drupal version as Composer sees it, translated the way packages.drupal.org does:
 *
 * | Drupal          | Composer version | branch alias |
 * | --------------- | ---------------- | ------------ |
 * | `8.x-1.9`       | `1.9.0`          |              |
 * | `7.x-3.4-beta2` | `3.4.0-beta2`    |              |
 * | `10.2.1`        | `10.2.1`         |              |
 * | `8.x-1.x-dev`   | `dev-1.x`        | `1.x-dev`    |
 * | `2.1.x-dev`     | `dev-2.1.x`      | `2.1.x-dev`  |
 * | `3.x-dev`       | `dev-3.x`        | `3.x-dev`    |
 *
 * A legacy version has no minor: its second number becomes the minor and the patch is
 * always 0. Dev branches become Composer branch names (`dev-…`) aliased to the numbered
 * dev version, so `^1.0@dev` and `1.x-dev` both find them.
 */
export interface ComposerVersion {
  version: string;
  /** The `extra.branch-alias` target of a dev branch; null for tagged releases. */
  alias: string | null;
}

/**
 * The Composer version of a Drupal version, or null when Composer cannot express it:
 * `unstableN` is no stability Composer knows (its parser throws on `1.0.0-unstable1`), so
 * such releases are left out of the Composer repository.
 */
export function composerVersion(drupal: string | Version): ComposerVersion | null {
  const v = typeof drupal === 'string' ? parseVersion(drupal) : drupal;
  if (v.isDev) {
    const branch = v.minor === null ? `${v.major}.x` : `${v.major}.${v.minor}.x`;
    return { version: `dev-${branch}`, alias: `${branch}-dev` };
  }
  if (v.preRelease?.kind === 'unstable') return null;
  const numbers = v.core !== null ? `${v.major}.${v.patch}.0` : `${v.major}.${v.minor}.${v.patch}`;
  return { version: v.extra === null ? numbers : `${numbers}-${v.extra}`, alias: null };
}

/**
 * Whether a release belongs in the Composer repository, which serves Drupal 8 and later as
 * packages.drupal.org/8 does: `8.x-` legacy and semantic versions. A `7.x-1.0` is for
 * Drupal 7 sites, which never use this repository, and would collide with `8.x-1.0`.
 */
export function inComposerRepository(v: Version): boolean {
  return v.core === null || v.core === '8.x';
}

/**
 * The Composer version two releases of one project must not share: `8.x-1.0` and `1.0.0`
 * would be the same package version, so a project cannot have both (nor `8.x-1.x-dev`
 * beside `1.x-dev`). Unstable releases, which Composer never sees, still claim their
 * translation, so that no later release can take a version Composer would mistake for them.
 * Null for releases outside the repository (`7.x-…`), which claim nothing.
 */
export function composerIdentity(drupal: string | Version): string | null {
  const v = typeof drupal === 'string' ? parseVersion(drupal) : drupal;
  if (!inComposerRepository(v)) return null;
  if (v.preRelease?.kind === 'unstable') {
    const numbers = v.core !== null ? `${v.major}.${v.patch}.0` : `${v.major}.${v.minor}.${v.patch}`;
    return `${numbers}-${v.extra}`;
  }
  return composerVersion(v)!.version;
}

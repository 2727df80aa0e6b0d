import { compareForFeed, parseVersion, type Version } from '@packhouse/versions';
import type { FeedRelease, FeedSelector } from './types.ts';

/** `current`, `all` or a legacy core such as `7.x`; anything else is not a feed (null). */
export function parseSelector(s: string): FeedSelector | null {
  if (s === 'current' || s === 'all') return { kind: s };
  if (/^[1-9]\d*\.x$/.test(s)) return { kind: 'core', core: s };
  return null;
}

export interface SelectedRelease {
  release: FeedRelease;
  version: Version;
}

/**
 * The releases a feed lists, newest first (compareForFeed). `current` holds
 * what a Drupal 8+ site can run: semantic versions and the `8.x-` legacy
 * ones. A core feed such as `7.x` holds that core's legacy releases.
 * Versions were validated when tagged, so an unparseable one throws.
 */
export function selectVersions(selector: FeedSelector, releases: readonly FeedRelease[]): SelectedRelease[] {
  return releases
    .map((release) => ({ release, version: parseVersion(release.version) }))
    .filter(({ version }) => matches(selector, version))
    .sort((a, b) => compareForFeed(a.version, b.version));
}

export function selectReleases(selector: FeedSelector, releases: readonly FeedRelease[]): FeedRelease[] {
  return selectVersions(selector, releases).map(({ release }) => release);
}

function matches(selector: FeedSelector, version: Version): boolean {
  switch (selector.kind) {
    case 'all':
      return true;
    case 'current':
      return version.core === null || version.core === '8.x';
    case 'core':
      return version.core === selector.core;
  }
}

import type { Version } from './types.ts';

const RANK = { unstable: 0, alpha: 1, beta: 2, rc: 3 } as const;
const STABLE = 4;

/**
 * The release-history feed's order, newest first: core (Drupal 7 and older
 * legacy cores last, descending; `8.x-` releases belong with semantic ones,
 * as Drupal strips that prefix before comparing), then major, minor, patch and
 * pre-release rank, all descending. Dev snapshots come last within their
 * major, because a branch snapshot has no place among the tags; among
 * themselves the major-wide `3.x-dev` comes first, then minor branches
 * descending. Use as an Array#sort comparator.
 */
export function compareForFeed(a: Version, b: Version): number {
  return (
    cmp(coreRank(b), coreRank(a)) ||
    cmp(b.major, a.major) ||
    cmp(Number(a.isDev), Number(b.isDev)) ||
    cmp(minorRank(b), minorRank(a)) ||
    cmp(b.patch ?? -1, a.patch ?? -1) ||
    cmp(preRank(b), preRank(a)) ||
    cmp(b.preRelease?.number ?? 0, a.preRelease?.number ?? 0)
  );
}

/**
 * Ascending release order (oldest first): the exact inverse of
 * compareForFeed. For tagged releases this is Drupal's version order. Dev
 * snapshots sort as the oldest of their major; they are not comparable with
 * tags in any meaningful way, so callers asking "is there a newer release?"
 * should leave them out.
 */
export function compareVersions(a: Version, b: Version): number {
  return compareForFeed(b, a);
}

function cmp(x: number, y: number): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

function coreRank(v: Version): number {
  return v.core === null || v.core === '8.x' ? Number.POSITIVE_INFINITY : Number.parseInt(v.core, 10);
}

// Only `{major}.x-dev` lacks a minor among semantic versions: it tracks the whole major.
function minorRank(v: Version): number {
  return v.minor ?? (v.isDev ? Number.POSITIVE_INFINITY : -1);
}

function preRank(v: Version): number {
  return v.preRelease ? RANK[v.preRelease.kind] : STABLE;
}

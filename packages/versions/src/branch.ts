import { InvalidVersion } from './invalid-version.ts';
import { parseVersion } from './parse.ts';
import type { Version } from './types.ts';

/**
 * The branch a version belongs to, as listed in `supported_branches`: the
 * version cut after its last dot (`8.x-1.2` → `8.x-1.`, `10.6.3` → `10.6.`,
 * `2.0.x-dev` → `2.0.`). Built from the parts so an `extra` never leaks in.
 */
export function branchOf(v: Version): string {
  if (v.core !== null) return `${v.core}-${v.major}.`;
  return v.minor === null ? `${v.major}.` : `${v.major}.${v.minor}.`;
}

/** The dev release for a git branch: `7.x-1.x` → `7.x-1.x-dev`, `2.0.x` → `2.0.x-dev`, `3.x` → `3.x-dev`. */
export function parseDevBranch(branch: string): { branch: string; version: string } {
  let version: Version;
  try {
    version = parseVersion(`${branch}-dev`);
  } catch (error) {
    if (error instanceof InvalidVersion) throw new InvalidVersion(branch, 'branch_format');
    throw error;
  }
  // `1.2.3` + `-dev` is refused by parseVersion already; this guards future formats.
  if (!version.isDev) throw new InvalidVersion(branch, 'branch_format');
  return { branch, version: version.raw };
}

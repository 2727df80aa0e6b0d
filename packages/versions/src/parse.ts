import { InvalidVersion, type InvalidVersionRule } from './invalid-version.ts';
import type { PreRelease, Version } from './types.ts';

const MAX_LENGTH = 128;
const ALLOWED = /^[0-9a-z.-]+$/;
const EXTRA = /^(unstable|alpha|beta|rc)(\d+)$/;

/**
 * Parses a Drupal version (packages/versions/README.md): legacy `7.x-1.0`, semantic `1.2.3`,
 * each with an optional `-{extra}`, and the dev branches `7.x-1.x-dev`,
 * `2.0.x-dev`, `3.x-dev`. Throws InvalidVersion naming the rule broken.
 */
export function parseVersion(raw: string): Version {
  if (raw === '') throw new InvalidVersion(raw, 'empty');
  if (raw.length > MAX_LENGTH) throw new InvalidVersion(raw, 'length');
  if (!ALLOWED.test(raw)) throw new InvalidVersion(raw, 'characters');

  const { head, tail } = splitAtDash(raw);
  const parts = head.split('.');

  // `{N}.x-…` is either a legacy core prefix or the `{major}.x-dev` branch.
  if (parts.length === 2 && parts[1] === 'x') {
    if (tail === 'dev') return dev(raw, null, number(raw, parts[0], 'dev_format'), null);
    if (tail === null) throw new InvalidVersion(raw, 'dev_format');
    return legacy(raw, parts[0] ?? '', tail);
  }
  // A numbered version after a dash means something other than `N.x` was put before it.
  if (head !== '' && tail !== null && /^\d[^-]*\./.test(tail)) throw new InvalidVersion(raw, 'core_prefix');
  if (parts[parts.length - 1] === 'x') {
    if (parts.length !== 3 || tail !== 'dev') throw new InvalidVersion(raw, 'dev_format');
    return dev(raw, null, number(raw, parts[0], 'dev_format'), number(raw, parts[1], 'dev_format'));
  }
  return semantic(raw, parts, tail);
}

function legacy(raw: string, coreNumber: string, body: string): Version {
  const core = `${number(raw, coreNumber, 'core_prefix')}.x`;
  const { head, tail } = splitAtDash(body);
  const parts = head.split('.');
  if (parts.length !== 2) throw new InvalidVersion(raw, 'legacy_format');
  const major = number(raw, parts[0], 'legacy_format');
  if (parts[1] === 'x') {
    if (tail !== 'dev') throw new InvalidVersion(raw, 'dev_format');
    return dev(raw, core, major, null);
  }
  const patch = number(raw, parts[1], 'legacy_format');
  return { raw, core, major, minor: null, patch, ...extra(raw, tail) };
}

function semantic(raw: string, parts: string[], tail: string | null): Version {
  if (parts.length !== 3) throw new InvalidVersion(raw, 'semantic_format');
  const [major, minor, patch] = parts.map((p) => number(raw, p, 'semantic_format')) as [number, number, number];
  return { raw, core: null, major, minor, patch, ...extra(raw, tail) };
}

function dev(raw: string, core: string | null, major: number, minor: number | null): Version {
  return { raw, core, major, minor, patch: null, extra: 'dev', preRelease: null, isDev: true };
}

function extra(raw: string, tail: string | null): { extra: string | null; preRelease: PreRelease; isDev: false } {
  if (tail === null) return { extra: null, preRelease: null, isDev: false };
  // `-dev` is reserved for branch snapshots; `1.2.3-dev` would sort as a tag it is not.
  if (tail === 'dev') throw new InvalidVersion(raw, 'dev_format');
  const match = EXTRA.exec(tail);
  if (!match) throw new InvalidVersion(raw, 'extra');
  const kind = match[1] as NonNullable<PreRelease>['kind'];
  return { extra: tail, preRelease: { kind, number: number(raw, match[2], 'extra') }, isDev: false };
}

function number(raw: string, digits: string | undefined, rule: InvalidVersionRule): number {
  if (digits === undefined || !/^\d+$/.test(digits)) throw new InvalidVersion(raw, rule);
  if (digits.length > 1 && digits.startsWith('0')) throw new InvalidVersion(raw, 'leading_zero');
  const value = Number(digits);
  if (!Number.isSafeInteger(value)) throw new InvalidVersion(raw, 'number_range');
  return value;
}

function splitAtDash(s: string): { head: string; tail: string | null } {
  const dash = s.indexOf('-');
  return dash < 0 ? { head: s, tail: null } : { head: s.slice(0, dash), tail: s.slice(dash + 1) };
}

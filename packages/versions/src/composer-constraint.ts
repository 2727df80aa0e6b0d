import { AND_SEPARATOR, isVersionConstraint, OR_SEPARATOR } from './constraint.ts';

/**
 * Evaluates a Composer constraint against Composer versions of tagged releases, as
 * composer/semver's `VersionParser::parseConstraints()` and `Constraint::matches()` do for
 * the forms an advisory needs: `*`, `<`, `<=`, `>`, `>=`, `=`, `!=`, bare versions, `~`, `^`,
 * wildcards (`1.2.*`), hyphen ranges (`1.0 - 2.0`), AND (space or comma) and OR (`||`).
 * Like Composer, `<1.3` and `>=1.0` without a stability mean `<1.3.0.0-dev` and
 * `>=1.0.0.0-dev`, so `<1.3.0` excludes `1.3.0-beta1` only when written `<1.3.0-beta1`.
 * Branch names (`dev-1.x`) match no tagged release.
 */
export type VersionMatcher = (composerVersion: string) => boolean;

/** Stabilities in Composer's order: dev < alpha < beta < RC < stable < patch. */
const STABILITY_RANK = { dev: 0, alpha: 1, beta: 2, rc: 3, stable: 4, patch: 5 } as const;

interface Normalized {
  numbers: [number, number, number, number];
  stability: number;
  stabilityNumber: number;
  /** How many numbers were written (`1.2` → 2): hyphen ranges and wildcards depend on it. */
  given: number;
  /** Whether a stability was written (`1.0-beta1`, `1.0-dev`). */
  explicitStability: boolean;
}

const VERSION =
  /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?(?:[._-]?(stable|beta|b|rc|alpha|a|patch|pl|p)(?:[.-]?(\d+))?)?(?:[.-]?(dev))?$/i;

function normalize(text: string): Normalized | null {
  const match = VERSION.exec(
    text
      .trim()
      .replace(/\+\S*$/, '')
      .replace(/@\w+$/, ''),
  );
  if (!match) return null;
  const numbers = [1, 2, 3, 4].map((i) => Number(match[i] ?? 0)) as Normalized['numbers'];
  const given = [1, 2, 3, 4].filter((i) => match[i] !== undefined).length;
  const modifier = match[5]?.toLowerCase();
  let stability: number = STABILITY_RANK.stable;
  if (modifier === 'alpha' || modifier === 'a') stability = STABILITY_RANK.alpha;
  else if (modifier === 'beta' || modifier === 'b') stability = STABILITY_RANK.beta;
  else if (modifier === 'rc') stability = STABILITY_RANK.rc;
  else if (modifier === 'patch' || modifier === 'pl' || modifier === 'p') stability = STABILITY_RANK.patch;
  const dev = match[7] !== undefined;
  return {
    numbers,
    // `1.0-beta2-dev` sorts just under beta2; modelled as beta2 itself, which is close enough for advisories.
    stability: dev && modifier === undefined ? STABILITY_RANK.dev : stability,
    stabilityNumber: Number(match[6] ?? 0),
    given,
    explicitStability: modifier !== undefined || dev,
  };
}

function compare(a: Normalized, b: Normalized): number {
  for (let i = 0; i < 4; i++) if (a.numbers[i] !== b.numbers[i]) return a.numbers[i]! - b.numbers[i]!;
  if (a.stability !== b.stability) return a.stability - b.stability;
  return a.stabilityNumber - b.stabilityNumber;
}

/** The lowest version of a line: `1.2` → `1.2.0.0-dev`. */
function devFloor(numbers: number[]): Normalized {
  const four = [0, 1, 2, 3].map((i) => numbers[i] ?? 0) as Normalized['numbers'];
  return { numbers: four, stability: STABILITY_RANK.dev, stabilityNumber: 0, given: 4, explicitStability: true };
}

/** The first version past a line: bumps number `position` and zeroes the rest (`1.2`, 0 → `2.0.0.0-dev`). */
function bump(version: Normalized, position: number): Normalized {
  const numbers = version.numbers.map((n, i) => (i < position ? n : i === position ? n + 1 : 0));
  return devFloor(numbers);
}

type Bound = (v: Normalized) => boolean;
const atLeast =
  (floor: Normalized): Bound =>
  (v) =>
    compare(v, floor) >= 0;
const below =
  (ceiling: Normalized): Bound =>
  (v) =>
    compare(v, ceiling) < 0;
const both =
  (a: Bound, b: Bound): Bound =>
  (v) =>
    a(v) && b(v);

const FLAG = /@(?:stable|rc|beta|alpha|dev)$/i;
const WILDCARD = /^v?(\d+(?:\.\d+){0,2})(?:\.[xX*])+$/;
const HYPHEN = /^(\S+) +- +(\S+)$/;
const COMPARISON = /^(<>|!=|>=?|<=?|==?)?\s*(.+)$/;

function term(raw: string): Bound | null {
  const text = raw.replace(FLAG, '') || '*';
  if (/^v?[xX*](?:\.[xX*])*$/.test(text)) return () => true;
  if (text.startsWith('~') || text.startsWith('^')) {
    const version = normalize(text.slice(1));
    if (!version) return null;
    const floor = version.explicitStability
      ? version
      : { ...version, stability: STABILITY_RANK.dev, stabilityNumber: 0 };
    if (text.startsWith('~')) return both(atLeast(floor), below(bump(version, Math.max(0, version.given - 2))));
    const firstNonZero = version.numbers.slice(0, version.given).findIndex((n) => n !== 0);
    return both(atLeast(floor), below(bump(version, firstNonZero === -1 ? version.given - 1 : firstNonZero)));
  }
  const wildcard = WILDCARD.exec(text);
  if (wildcard) {
    const version = normalize(wildcard[1]!)!;
    return both(atLeast(devFloor(version.numbers)), below(bump(version, version.given - 1)));
  }
  const hyphen = HYPHEN.exec(text);
  if (hyphen) {
    const low = normalize(hyphen[1]!);
    const high = normalize(hyphen[2]!);
    if (!low || !high) return null;
    const floor = low.explicitStability ? low : { ...low, stability: STABILITY_RANK.dev, stabilityNumber: 0 };
    const top: Bound = high.given < 3 ? below(bump(high, high.given - 1)) : (v) => compare(v, high) <= 0;
    return both(atLeast(floor), top);
  }
  const comparison = COMPARISON.exec(text);
  if (!comparison) return null;
  const operator = comparison[1] ?? '=';
  if (comparison[2]!.startsWith('dev-')) return () => false;
  const version = normalize(comparison[2]!);
  if (!version) return null;
  const edge =
    (operator === '<' || operator === '>=') && !version.explicitStability
      ? { ...version, stability: STABILITY_RANK.dev, stabilityNumber: 0 }
      : version;
  switch (operator) {
    case '<':
      return (v) => compare(v, edge) < 0;
    case '<=':
      return (v) => compare(v, edge) <= 0;
    case '>':
      return (v) => compare(v, edge) > 0;
    case '>=':
      return (v) => compare(v, edge) >= 0;
    case '!=':
    case '<>':
      return (v) => compare(v, edge) !== 0;
    default:
      return (v) => compare(v, edge) === 0;
  }
}

/**
 * A matcher for `constraint`, or null when Composer could not parse it (or it uses a form
 * this evaluator does not model, such as inline aliases): such constraints are refused.
 */
export function composerConstraintMatcher(constraint: string): VersionMatcher | null {
  if (!isVersionConstraint(constraint)) return null;
  const alternatives: Bound[][] = [];
  for (const alternative of constraint.trim().split(OR_SEPARATOR)) {
    const terms = alternative.split(AND_SEPARATOR).map(term);
    if (terms.some((t) => t === null)) return null;
    alternatives.push(terms as Bound[]);
  }
  return (composerVersion) => {
    if (composerVersion.startsWith('dev-')) return false;
    const version = normalize(composerVersion);
    return version !== null && alternatives.some((terms) => terms.every((bound) => bound(version)));
  };
}

/**
 * Lets a maintainer write Drupal 8 legacy versions in a constraint: `<8.x-1.3` means
 * `<1.3.0`, as the release is published to Composer.
 */
export function translateLegacyConstraint(constraint: string): string {
  return constraint.replace(
    /\b8\.x-(\d+)\.(\d+)(-(?:alpha|beta|rc)\d+)?(?![\d.])/g,
    (_, major: string, minor: string, extra = '') => `${major}.${minor}.0${extra}`,
  );
}

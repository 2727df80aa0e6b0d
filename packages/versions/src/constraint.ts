/**
 * Composer version constraints, as composer/semver's `VersionParser::parseConstraints()`
 * reads them. Drupal passes `core_version_requirement` (and the feed's `core_compatibility`)
 * to `Semver::satisfies()` without catching errors, so a value Composer cannot parse breaks
 * every site that reads it.
 *
 * This accepts a subset of what Composer accepts: every form a core requirement can mean
 * (`^9.3 || ^10`, `>=8.7.7 <9`, `~10.1.0`, `8.x`, `8.8 - 9.1`, `*`, `v10`, `-beta2`, `@dev`,
 * `10.1.x-dev`, `+build`), but not branch names (`dev-main`, `master`), inline aliases
 * (`1.0 as 2.0`), `#commit` references or date versions, nor control or non-ASCII
 * characters. Erring strict is the safe side: a value this rejects is refused at packaging
 * and left out of the feed, while one it wrongly accepted would throw on every site.
 */

/** Longer values are refused: no real requirement comes near, and it bounds regex work. */
const MAX_LENGTH = 1000;

/** Printable ASCII plus the whitespace PHP's `trim()` and PCRE's `\s` agree with JavaScript on. */
const PLAIN_TEXT = /^[\x20-\x7e\t\n\r]*$/;

// Alternatives: `||` or a single `|`, with any whitespace around.
export const OR_SEPARATOR = /\s*\|\|?\s*/;

// Terms of one alternative are ANDed: a comma or a space (with spaces around), except at either
// end, after an operator (`>= 8`), before another comma, and next to a range's hyphen (`8.8 - 9.1`).
export const AND_SEPARATOR = /(?<=[^=<> ,]) *(?<!-)[ ,](?!-) *(?=[^,])/;

// `(?!\d)` makes each repetition take whole digit runs, as Composer's possessive `*+` does;
// without it a failing match backtracks exponentially.
const MODIFIER = String.raw`[._-]?(?:(?:stable|beta|b|RC|alpha|a|patch|pl|p)(?:[.-]?\d+(?!\d))*)?(?:[.-]?dev)?`;

/** A version as written after `~`, `^` or in a hyphen range: `10`, `v9.5.11`, `10.1-rc1`, `10.x-dev`. */
const OPERAND = String.raw`v?\d+(?:\.\d+){0,3}(?:${MODIFIER}|\.[xX*][.-]?dev)(?:\+\S+)?`;

/** `@dev`, `>=10@beta`: a stability flag after a term (no term means `*`), or after a version. */
const FLAG = '@(?:stable|RC|beta|alpha|dev)';
const FLAGGED_TERM = new RegExp(String.raw`^([^,\s]*?)${FLAG}$`, 'i');
const FLAGGED_VERSION = new RegExp(`${FLAG}$`, 'i');
const MATCH_ALL = /^v?[xX*](?:\.[xX*])*$/i;
const TILDE = new RegExp(String.raw`^~>?(${OPERAND})$`, 'i');
const CARET = new RegExp(String.raw`^\^(${OPERAND})$`, 'i');
/** Composer matches wildcards case-sensitively (`V9.x` is not one). */
const WILDCARD = /^v?\d+(?:\.\d+){0,2}(?:\.[xX*])+$/;
const HYPHEN_RANGE = new RegExp(String.raw`^(${OPERAND}) +- +(${OPERAND})$`, 'i');
const COMPARISON = /^(?:<>|!=|>=?|<=?|==?)?\s*([\s\S]*)$/;

/** `~1.2` and `^1.2` without a stability mean "from 1.2's dev releases on": Composer appends `-dev`. */
const UNSTABLE_BOUND = /^v?\d+(?:\.\d+){0,3}[._-]?(?:\+\S+)?$/i;

// A single version, as `VersionParser::normalize()` accepts it (minus branch names and dates).
const BUILD_METADATA = /^([^,\s+]+)\+\S+$/;
const RELEASE = new RegExp(String.raw`^v?\d{1,5}(?:\.\d+){0,3}${MODIFIER}$`, 'i');
const DEV_BRANCH = /^v?\d+(?:\.(?:\d+|[xX*])){0,3}[.-]?dev$/i;

/** Whether Composer (and so Drupal's `Semver::satisfies()`) parses `value` as a constraint. */
export function isVersionConstraint(value: string): boolean {
  if (value.length > MAX_LENGTH || !PLAIN_TEXT.test(value)) return false;
  return value
    .trim()
    .split(OR_SEPARATOR)
    .every((alternative) => alternative.split(AND_SEPARATOR).every(isTerm));
}

// Composer tries these forms in this order, and the first whose shape matches decides.
function isTerm(text: string): boolean {
  const flagged = FLAGGED_TERM.exec(text);
  const term = flagged ? flagged[1] || '*' : text;
  if (MATCH_ALL.test(term)) return true;
  const tilde = TILDE.exec(term);
  if (tilde) return !term.startsWith('~>') && isBound(tilde[1]!);
  const caret = CARET.exec(term);
  if (caret) return isBound(caret[1]!);
  if (WILDCARD.test(term)) return true;
  const range = HYPHEN_RANGE.exec(term);
  if (range) return isVersion(range[1]!) && isVersion(range[2]!);
  return isVersion(COMPARISON.exec(term)![1]!);
}

function isBound(operand: string): boolean {
  return isVersion(UNSTABLE_BOUND.test(operand) ? `${operand}-dev` : operand);
}

function isVersion(text: string): boolean {
  const version = text.trim().replace(FLAGGED_VERSION, '').replace(BUILD_METADATA, '$1');
  return RELEASE.test(version) || DEV_BRANCH.test(version);
}

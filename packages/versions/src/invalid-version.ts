/** The rule a refused version string broke; stable, so callers and tests can match on it. */
export type InvalidVersionRule =
  | 'empty'
  | 'length'
  | 'characters'
  | 'leading_zero'
  | 'number_range'
  | 'extra'
  | 'dev_format'
  | 'core_prefix'
  | 'legacy_format'
  | 'semantic_format'
  | 'branch_format';

const EXPLANATIONS: Record<InvalidVersionRule, string> = {
  empty: 'the version is empty',
  length: 'a version is at most 128 characters long',
  characters: 'a version has only digits, lowercase letters, dots and hyphens',
  leading_zero: 'numbers have no leading zeros (write 1, not 01)',
  number_range: 'each number must be below 2^53',
  extra: 'the part after the version is unstableN, alphaN, betaN or rcN (e.g. beta2)',
  dev_format: 'a dev release is {core}.x-{major}.x-dev, {major}.{minor}.x-dev or {major}.x-dev',
  core_prefix: 'a legacy version starts with a core prefix {N}.x- (e.g. 7.x-1.0)',
  legacy_format: 'a legacy version is {core}.x-{major}.{minor}[-{extra}]',
  semantic_format: 'a semantic version is {major}.{minor}.{patch}[-{extra}]',
  branch_format: 'a dev branch is {core}.x-{major}.x, {major}.{minor}.x or {major}.x',
};

/** A tag or version string that is not a Drupal version; the message names the rule. */
export class InvalidVersion extends Error {
  readonly rule: InvalidVersionRule;
  readonly input: string;

  constructor(input: string, rule: InvalidVersionRule) {
    const what = rule === 'branch_format' ? 'a Drupal dev branch' : 'a Drupal version';
    super(`\`${printable(input)}\` is not ${what}: ${EXPLANATIONS[rule]} (rule ${rule})`);
    this.name = 'InvalidVersion';
    this.rule = rule;
    this.input = input;
  }
}

// Tags come from outside (git hosts, API calls): keep the message one short, readable line.
function printable(input: string): string {
  const shown = input.length > 80 ? `${input.slice(0, 80)}…` : input;
  return shown.replace(/[\u0000-\u001f\u007f-\u009f`]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

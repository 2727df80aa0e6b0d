import { describe, expect, it } from 'vitest';
import { isVersionConstraint } from '@packhouse/versions';

// Every value below was also checked against composer/semver 3.3 (VersionParser::parseConstraints).

describe('isVersionConstraint accepts what Composer parses', () => {
  it.each([
    // Values Drupal projects use in core_version_requirement.
    '^8.8 || ^9',
    '>=8.7.7 <9',
    '^9.3 || ^10 || ^11',
    '~10.1.0',
    '8.x',
    '>=10.1 <11.0.0-dev',
    '^9 || ^10',
    '^10.3|^11',
    '>=9.5, <11',
    '>= 9.5 < 11',
    // Operators, wildcards, ranges.
    '10.2.1',
    '=10.2.1',
    '==10.2.1',
    '!=10.0.0',
    '<>10.0.0',
    '>9',
    '<=11.1',
    '9.*',
    '10.1.*',
    '9.x.x',
    '*',
    'x',
    'v*',
    '8.8 - 9.1',
    '8.8.0-beta1 - 9',
    // Prefixes, stability suffixes and flags.
    'v10.1',
    '^v10',
    '^10-dev',
    '~10.1-alpha1',
    '^10.0.0-beta2',
    '10.0.0-RC1',
    '10.0.0-rc1',
    '10.1.x-dev',
    '^10.x-dev',
    '^10@dev',
    '>=10@beta',
    '>= 10@dev',
    '@stable',
    '10.0.0+build.5',
    // Whitespace Composer trims or skips.
    '  ^10  ',
    '^10\n',
    '^9 ||\n^10',
  ])('%j', (value) => {
    expect(isVersionConstraint(value)).toBe(true);
  });
});

describe('isVersionConstraint rejects what would throw in Semver::satisfies()', () => {
  it.each([
    ['^9 ||', 'an empty alternative'],
    ['|| ^10', 'an empty alternative'],
    ['^9 |||^10', 'an empty alternative'],
    ['banana', 'not a version'],
    ['>-', 'a YAML block indicator read as text'],
    ['', 'empty'],
    ['   ', 'blank'],
    ['^^9', 'a doubled operator'],
    ['9..1', 'an empty number'],
    ['>=9,', 'a trailing comma'],
    ['>=9,,<11', 'a doubled comma'],
    ['~>9', "Ruby's pessimistic operator"],
    ['>=9 & <11', 'an ampersand'],
    ['^9 && ^10', 'a doubled ampersand'],
    ['8.8 -9.1', 'a hyphen range without spaces'],
    ['^ 10', 'a space after ^'],
    ['^10-gamma', 'an unknown stability'],
    ['10@nightly', 'an unknown stability flag'],
    ['V9.x', 'an upper-case v on a wildcard'],
  ])('%j (%s)', (value) => {
    expect(isVersionConstraint(value)).toBe(false);
  });

  it('rejects forms Composer parses but a core requirement never means (strict is the safe side)', () => {
    for (const value of ['dev-main', 'master', '1.0 as 2.0', '1.x-dev#abc123', '2024-01-01', 'banana-dev']) {
      expect(isVersionConstraint(value), value).toBe(false);
    }
  });

  it('rejects control and non-ASCII characters, which PHP and JavaScript trim and match differently', () => {
    for (const value of ['\u00a0^10', '^10\u00a0', '^10\u0000', '^10\f', '^９'])
      expect(isVersionConstraint(value), value).toBe(false);
  });

  it('rejects very long values without slow regex backtracking', () => {
    const started = performance.now();
    expect(isVersionConstraint(`^1-alpha${'1'.repeat(995)}x`)).toBe(false);
    expect(isVersionConstraint(`^1-alpha${'.1'.repeat(1000)}`)).toBe(false); // over the length limit
    expect(isVersionConstraint(`^9${' '.repeat(990)},`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

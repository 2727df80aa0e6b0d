import { describe, expect, it } from 'vitest';
import {
  composerConstraintMatcher,
  composerIdentity,
  composerVersion,
  translateLegacyConstraint,
} from '@packhouse/versions';

describe('composerVersion translates as packages.drupal.org does', () => {
  it.each([
    ['8.x-1.9', '1.9.0'],
    ['8.x-1.10-rc1', '1.10.0-rc1'],
    ['7.x-3.4-beta2', '3.4.0-beta2'],
    ['8.x-2.0-alpha12', '2.0.0-alpha12'],
    ['1.2.3', '1.2.3'],
    ['10.2.1', '10.2.1'],
    ['2.0.0-rc1', '2.0.0-rc1'],
  ])('tag %s → %s (patch of a legacy version is always 0)', (drupal, composer) => {
    expect(composerVersion(drupal)).toEqual({ version: composer, alias: null });
  });

  it.each([
    ['8.x-1.x-dev', 'dev-1.x', '1.x-dev'],
    ['7.x-2.x-dev', 'dev-2.x', '2.x-dev'],
    ['2.1.x-dev', 'dev-2.1.x', '2.1.x-dev'],
    ['3.x-dev', 'dev-3.x', '3.x-dev'],
  ])('dev branch %s → %s aliased %s', (drupal, version, alias) => {
    expect(composerVersion(drupal)).toEqual({ version, alias });
  });

  it('leaves unstable releases out: Composer has no such stability', () => {
    expect(composerVersion('8.x-1.0-unstable3')).toBeNull();
    expect(composerVersion('1.0.0-unstable1')).toBeNull();
  });
});

describe('composerIdentity is what two releases of a project may not share', () => {
  it('makes 8.x-1.0 and 1.0.0 the same Composer version, and their dev branches too', () => {
    expect(composerIdentity('8.x-1.0')).toBe(composerIdentity('1.0.0'));
    expect(composerIdentity('8.x-1.x-dev')).toBe(composerIdentity('1.x-dev'));
    expect(composerIdentity('8.x-1.1')).not.toBe(composerIdentity('1.0.0'));
  });

  it('keeps 7.x releases out of the Composer repository, so 7.x-1.0 and 8.x-1.0 coexist', () => {
    expect(composerIdentity('7.x-1.0')).toBeNull();
    expect(composerIdentity('7.x-1.x-dev')).toBeNull();
  });

  it('lets an unstable release claim its version although Composer never sees it', () => {
    expect(composerIdentity('8.x-1.0-unstable1')).toBe('1.0.0-unstable1');
  });
});

describe('composerConstraintMatcher evaluates constraints as composer/semver does', () => {
  const versions = ['1.0.0-beta1', '1.0.0', '1.2.0', '1.2.5', '1.3.0-rc1', '1.3.0', '2.0.0', '0.3.1', '0.4.0'];
  const matching = (constraint: string) => versions.filter(composerConstraintMatcher(constraint)!);

  it.each([
    ['<1.3.0', ['1.0.0-beta1', '1.0.0', '1.2.0', '1.2.5', '0.3.1', '0.4.0']],
    ['>=1.0 <1.3', ['1.0.0-beta1', '1.0.0', '1.2.0', '1.2.5']],
    ['>=1.0.0,<1.2.5', ['1.0.0-beta1', '1.0.0', '1.2.0']],
    ['<=1.2.5', ['1.0.0-beta1', '1.0.0', '1.2.0', '1.2.5', '0.3.1', '0.4.0']],
    ['>1.3.0-rc1', ['1.3.0', '2.0.0']],
    ['1.2.0', ['1.2.0']],
    ['!=1.2.0 <1.3.0 >=1.0.0', ['1.0.0-beta1', '1.0.0', '1.2.5']],
    ['~1.2', ['1.2.0', '1.2.5', '1.3.0-rc1', '1.3.0']],
    ['~1.2.0', ['1.2.0', '1.2.5']],
    ['^1.2', ['1.2.0', '1.2.5', '1.3.0-rc1', '1.3.0']],
    ['^0.3', ['0.3.1']],
    ['1.2.*', ['1.2.0', '1.2.5']],
    ['1.0 - 1.2', ['1.0.0-beta1', '1.0.0', '1.2.0', '1.2.5']],
    ['1.0.0 - 1.2.0', ['1.0.0-beta1', '1.0.0', '1.2.0']],
    // `<1.0.0` is `<1.0.0.0-dev`: 1.0.0-beta1 is not below it.
    ['<1.0.0 || >=2.0', ['2.0.0', '0.3.1', '0.4.0']],
    ['*', versions],
  ])('%s', (constraint, expected) => {
    expect(matching(constraint)).toEqual(expected);
  });

  it('never matches a dev branch with a numeric constraint', () => {
    expect(composerConstraintMatcher('<9.0.0')!('dev-1.x')).toBe(false);
  });

  it.each(['', 'not a constraint', '>=1.0 <', '1.0 as 2.0', '<<1.0'])(
    'returns null for %j, which Composer cannot parse',
    (constraint) => {
      expect(composerConstraintMatcher(constraint)).toBeNull();
    },
  );
});

describe('translateLegacyConstraint', () => {
  it.each([
    ['<8.x-1.3', '<1.3.0'],
    ['>=8.x-1.0 <8.x-1.3-beta1', '>=1.0.0 <1.3.0-beta1'],
    ['<1.3.0', '<1.3.0'],
  ])('%s → %s', (legacy, composer) => {
    expect(translateLegacyConstraint(legacy)).toBe(composer);
  });
});

import { describe, expect, it } from 'vitest';
import { compareForFeed, compareVersions, parseVersion } from '@packhouse/versions';

const feedOrder = (raws: string[]) =>
  raws
    .map(parseVersion)
    .sort(compareForFeed)
    .map((v) => v.raw);

describe('compareForFeed: newest first, dev last within its major', () => {
  it.each([
    [
      'pre-release ranks',
      ['1.0.0-alpha1', '1.0.0', '1.0.0-rc1', '1.0.0-unstable1', '1.0.0-beta1'],
      ['1.0.0', '1.0.0-rc1', '1.0.0-beta1', '1.0.0-alpha1', '1.0.0-unstable1'],
    ],
    [
      'pre-release numbers numerically',
      ['1.0.0-alpha9', '1.0.0-alpha10', '1.0.0-alpha2'],
      ['1.0.0-alpha10', '1.0.0-alpha9', '1.0.0-alpha2'],
    ],
    [
      'major, minor, patch numerically',
      ['1.10.0', '1.9.0', '2.0.0', '1.9.10', '1.9.9', '10.0.0'],
      ['10.0.0', '2.0.0', '1.10.0', '1.9.10', '1.9.9', '1.9.0'],
    ],
    [
      'legacy patch numerically',
      ['8.x-1.9', '8.x-1.10', '8.x-2.0-beta1', '8.x-1.10-rc1'],
      ['8.x-2.0-beta1', '8.x-1.10', '8.x-1.10-rc1', '8.x-1.9'],
    ],
    [
      'dev releases last within their major',
      ['2.0.x-dev', '2.0.0', '2.1.x-dev', '1.0.0', '2.1.0-beta1', '2.x-dev', '1.0.x-dev', '3.0.0-alpha1'],
      ['3.0.0-alpha1', '2.1.0-beta1', '2.0.0', '2.x-dev', '2.1.x-dev', '2.0.x-dev', '1.0.0', '1.0.x-dev'],
    ],
    [
      'legacy dev last within its major',
      ['7.x-1.x-dev', '7.x-1.0', '7.x-2.0', '7.x-2.x-dev'],
      ['7.x-2.0', '7.x-2.x-dev', '7.x-1.0', '7.x-1.x-dev'],
    ],
    [
      'core first: semantic newer than any legacy core, then cores descending',
      ['7.x-3.0', '8.x-1.0', '1.0.0', '6.x-9.0', '8.x-1.x-dev'],
      ['1.0.0', '8.x-1.0', '8.x-1.x-dev', '7.x-3.0', '6.x-9.0'],
    ],
    [
      '8.x- releases by major among semantic ones, as Drupal compares them without the prefix',
      ['2.0.1', '8.x-3.5', '2.0.x-dev', '8.x-3.x-dev', '8.x-1.9', '7.x-4.0'],
      ['8.x-3.5', '8.x-3.x-dev', '2.0.1', '2.0.x-dev', '8.x-1.9', '7.x-4.0'],
    ],
  ])('%s', (_, input, expected) => {
    expect(feedOrder(input)).toEqual(expected);
    expect(feedOrder([...input].reverse())).toEqual(expected);
  });

  it('is 0 only for the same version', () => {
    expect(compareForFeed(parseVersion('1.0.0'), parseVersion('1.0.0'))).toBe(0);
    expect(compareForFeed(parseVersion('1.0.0'), parseVersion('1.0.0-rc1'))).not.toBe(0);
    expect(compareForFeed(parseVersion('3.x-dev'), parseVersion('3.0.x-dev'))).not.toBe(0);
  });
});

describe('compareVersions: ascending, the inverse of the feed order', () => {
  const all = [
    '1.0.0-alpha1',
    '1.0.0',
    '1.2.0',
    '2.0.0-rc1',
    '2.0.x-dev',
    '7.x-1.0',
    '7.x-1.x-dev',
    '8.x-1.2-beta1',
  ].map(parseVersion);

  it('orders tagged releases oldest first', () => {
    const sorted = ['2.0.0', '1.0.0', '1.0.0-beta2', '1.0.0-beta10', '0.9.9'].map(parseVersion).sort(compareVersions);
    expect(sorted.map((v) => v.raw)).toEqual(['0.9.9', '1.0.0-beta2', '1.0.0-beta10', '1.0.0', '2.0.0']);
  });

  it('is the exact inverse of compareForFeed for every pair', () => {
    for (const a of all) for (const b of all) expect(compareVersions(a, b)).toBe(compareForFeed(b, a));
  });

  it('sorts a dev snapshot as the oldest of its major', () => {
    expect(compareVersions(parseVersion('2.0.x-dev'), parseVersion('2.0.0-alpha1'))).toBe(-1);
    expect(compareVersions(parseVersion('2.0.x-dev'), parseVersion('1.9.9'))).toBe(1);
  });
});

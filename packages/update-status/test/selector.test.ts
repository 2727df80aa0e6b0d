import { describe, expect, it } from 'vitest';
import { parseSelector, selectReleases } from '@packhouse/update-status';
import { sample } from '@packhouse/testing/update-status';

const { release, releases } = sample;

describe('parseSelector', () => {
  it.each([
    ['current', { kind: 'current' }],
    ['all', { kind: 'all' }],
    ['7.x', { kind: 'core', core: '7.x' }],
    ['8.x', { kind: 'core', core: '8.x' }],
    ['10.x', { kind: 'core', core: '10.x' }],
    ['', null],
    ['7', null],
    ['07.x', null],
    ['7.x-1', null],
    ['Current', null],
    ['x.x', null],
    ['7.x/../all', null],
  ])('%j', (input, expected) => {
    expect(parseSelector(input)).toEqual(expected);
  });
});

describe('selectReleases', () => {
  const versions = (s: Parameters<typeof selectReleases>[0], r = releases) =>
    selectReleases(s, r).map((x) => x.version);

  it('current: semantic versions and 8.x- legacy ones', () => {
    expect(versions({ kind: 'current' })).toEqual(['2.1.0-rc1', '2.0.1', '2.0.0', '2.0.x-dev', '8.x-1.3']);
  });

  it('a core: that core legacy releases only', () => {
    expect(versions({ kind: 'core', core: '7.x' })).toEqual([
      '7.x-3.0-alpha1',
      '7.x-2.1-beta1',
      '7.x-2.0',
      '7.x-2.x-dev',
      '7.x-1.5',
    ]);
    expect(versions({ kind: 'core', core: '8.x' })).toEqual(['8.x-1.3']);
  });

  it('all: everything, semantic first then cores descending', () => {
    const mixed = [release('6.x-1.0'), release('7.x-1.0'), release('1.0.0'), release('8.x-1.0'), release('3.x-dev')];
    expect(versions({ kind: 'all' }, mixed)).toEqual(['3.x-dev', '1.0.0', '8.x-1.0', '7.x-1.0', '6.x-1.0']);
  });

  it('does not reorder its input', () => {
    const input = [...releases];
    selectReleases({ kind: 'all' }, input);
    expect(input).toEqual(releases);
  });
});

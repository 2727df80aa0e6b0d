import { describe, expect, it } from 'vitest';
import { renderReleaseHistory, type FeedRelease } from '@packhouse/update-status';
import { readLikeDrupal, sample } from '@packhouse/testing/update-status';

const { project, release } = sample;

/** core_compatibility of each release in the current feed, as Drupal reads it (undefined when left out). */
function compatibilities(releases: FeedRelease[]): Record<string, string | undefined> {
  const feed = readLikeDrupal(renderReleaseHistory(project, releases, { kind: 'current' }));
  return Object.fromEntries([...feed.releases].map(([version, r]) => [version, r.fields.core_compatibility]));
}

describe('core_compatibility is printed only when Drupal can parse it', () => {
  it('keeps valid constraints as stored', () => {
    const stored = ['^9.3 || ^10 || ^11', '>=8.7.7 <9', '~10.1.0'];
    expect(compatibilities(stored.map((value, i) => release(`2.0.${i}`, { coreCompatibility: value })))).toEqual({
      '2.0.2': '~10.1.0',
      '2.0.1': '>=8.7.7 <9',
      '2.0.0': '^9.3 || ^10 || ^11',
    });
  });

  it('leaves out values stored before packaging checked them, which would throw in Semver::satisfies()', () => {
    // Old rows could hold what the line-based reader took from `core_version_requirement: >-`, or a cut-off value.
    const stored = ['>-', '^9 ||', 'banana', '^^9', ''];
    const feed = compatibilities([
      ...stored.map((value, i) => release(`2.0.${i}`, { coreCompatibility: value })),
      release('2.1.0', { coreCompatibility: '^10' }),
    ]);
    expect(feed).toEqual({
      '2.1.0': '^10',
      '2.0.4': undefined,
      '2.0.3': undefined,
      '2.0.2': undefined,
      '2.0.1': undefined,
      '2.0.0': undefined,
    });
  });
});

import { describe, expect, it } from 'vitest';
import { expand, minify } from '../src/index.ts';

describe("minify, as Composer's MetadataMinifier::minify", () => {
  const versions = [
    {
      name: 'drupal/a',
      version: '1.1.0',
      require: { 'drupal/core': '^10' },
      extra: { drupal: { version: '8.x-1.1' } },
    },
    {
      name: 'drupal/a',
      version: '1.0.0',
      require: { 'drupal/core': '^10' },
      extra: { drupal: { version: '8.x-1.0' } },
      abandoned: true,
    },
    { name: 'drupal/a', version: '0.9.0', extra: { drupal: { version: '8.x-0.9' } } },
  ];

  it('keeps the first version whole, then only changed keys, and __unset for removed ones', () => {
    expect(minify(versions)).toEqual([
      versions[0],
      { version: '1.0.0', extra: { drupal: { version: '8.x-1.0' } }, abandoned: true },
      { version: '0.9.0', extra: { drupal: { version: '8.x-0.9' } }, require: '__unset', abandoned: '__unset' },
    ]);
  });

  it('compares nested values whole, key order included, as PHP compares arrays', () => {
    const reordered = [
      { version: '2.0.0', dist: { type: 'zip', url: 'u' } },
      { version: '1.0.0', dist: { url: 'u', type: 'zip' } },
    ];
    expect(minify(reordered)[1]).toEqual({ version: '1.0.0', dist: { url: 'u', type: 'zip' } });
  });

  it('round-trips through expand', () => {
    expect(expand(minify(versions))).toEqual(versions);
    expect(minify([])).toEqual([]);
  });
});

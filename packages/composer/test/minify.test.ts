import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expand, minify } from '../src/index.ts';

// Composer's own minifier, as Debian's composer package installs it (`.ci/run` does).
const COMPOSER_MINIFIER = '/usr/share/php/Composer/MetadataMinifier/MetadataMinifier.php';

/** Runs Composer's `MetadataMinifier::{method}` (in PHP) over `versions`. */
function composers(method: 'minify' | 'expand', versions: unknown[]): unknown {
  const script =
    `require '${COMPOSER_MINIFIER}';` +
    `echo json_encode(Composer\\MetadataMinifier\\MetadataMinifier::${method}(json_decode(stream_get_contents(STDIN), true)), JSON_UNESCAPED_SLASHES);`;
  return JSON.parse(execFileSync('php', ['-r', script], { input: JSON.stringify(versions) }).toString());
}

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

  it.runIf(existsSync(COMPOSER_MINIFIER) || process.env.CI)(
    "equals Composer's own minify, and Composer's own expand gives every version back",
    () => {
      expect(minify(versions)).toEqual(composers('minify', versions));
      expect(composers('expand', minify(versions))).toEqual(versions);
    },
  );
});

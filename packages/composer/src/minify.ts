/** One package version as Composer's metadata holds it: top-level keys to JSON values. */
export type ComposerVersionData = Record<string, unknown>;

/**
 * Composer's `MetadataMinifier::minify()` (composer/metadata-minifier), byte for byte in
 * meaning: the first version whole, every later one only the top-level keys whose value
 * differs from the version before it (compared as PHP's `!==` compares arrays: same keys,
 * same order, same values), and `"__unset"` for keys it no longer has.
 */
export function minify(versions: ComposerVersionData[]): ComposerVersionData[] {
  const minified: ComposerVersionData[] = [];
  let last: Map<string, { value: unknown; json: string }> | null = null;
  for (const version of versions) {
    if (last === null) {
      last = new Map(Object.entries(version).map(([key, value]) => [key, { value, json: JSON.stringify(value) }]));
      minified.push(version);
      continue;
    }
    const changes: ComposerVersionData = {};
    for (const [key, value] of Object.entries(version)) {
      const json = JSON.stringify(value);
      if (last.get(key)?.json !== json) {
        changes[key] = value;
        last.set(key, { value, json });
      }
    }
    for (const key of [...last.keys()]) {
      if (!(key in version)) {
        changes[key] = '__unset';
        last.delete(key);
      }
    }
    minified.push(changes);
  }
  return minified;
}

/** Composer's `MetadataMinifier::expand()`: the inverse of `minify`. */
export function expand(versions: ComposerVersionData[]): ComposerVersionData[] {
  const expanded: ComposerVersionData[] = [];
  for (const version of versions) {
    const previous = expanded.at(-1);
    if (previous === undefined) {
      expanded.push({ ...version });
      continue;
    }
    const current: ComposerVersionData = { ...previous };
    for (const [key, value] of Object.entries(version)) {
      if (value === '__unset') delete current[key];
      else current[key] = value;
    }
    expanded.push(current);
  }
  return expanded;
}

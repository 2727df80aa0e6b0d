/**
 * Canonical JSON (the subset of RFC 8785 that signed documents use: objects, arrays,
 * strings, booleans, null and safe integers): keys sorted by UTF-16 code units, no
 * whitespace, strings as JSON.stringify writes them. Signer and verifier both sign these
 * bytes, so a document re-serialized by any JSON library still verifies.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`canonical JSON holds only safe integers, got ${value}`);
    return String(value);
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  if (typeof value === 'object') {
    // Array.prototype.sort's default order compares UTF-16 code units, as RFC 8785 asks.
    const keys = Object.keys(value).sort();
    let out = '{';
    let first = true;
    for (const key of keys) {
      const child = (value as Record<string, unknown>)[key];
      if (child === undefined) continue;
      out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(child)}`;
      first = false;
    }
    return `${out}}`;
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
}

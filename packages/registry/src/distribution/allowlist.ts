import { allowlist } from '@packhouse/db';
import type { Actor, Registry } from '../context.ts';
import { forbidden, invalid } from '../errors.ts';

export interface AllowlistView {
  /** Regular expressions (JavaScript syntax); a library or patch URL must match one. */
  patterns: string[];
  updatedAt: string | null;
}

export const MAX_PATTERNS = 1000;

/** The allowlist through the admin API: administrators only (the public copy is /packaging-allowlist.json). */
export function getAllowlistAsAdmin(registry: Registry, actor: Actor): Promise<AllowlistView> {
  if (!actor.isAdmin) throw forbidden('Only an administrator can manage the library allowlist.');
  return getAllowlist(registry);
}

export async function getAllowlist(registry: Registry): Promise<AllowlistView> {
  const { patterns, updatedAt } = await allowlist.listPatterns(registry.db);
  return { patterns, updatedAt: updatedAt?.toISOString() ?? null };
}

/**
 * Replaces the library allowlist (administrators only). Every pattern must compile and be
 * anchored at the start with `^`: an unanchored `example\.org/` would also match
 * `https://evil.test/?example.org/`. Every broken pattern is named at once.
 */
export async function setAllowlist(registry: Registry, actor: Actor, patterns: string[]): Promise<AllowlistView> {
  if (!actor.isAdmin) throw forbidden('Only an administrator can manage the library allowlist.');
  const problems = patterns.flatMap((pattern, index) => {
    const refusal = patternRefusal(pattern);
    return refusal ? [`pattern ${index + 1} (${JSON.stringify(pattern)}) ${refusal}`] : [];
  });
  if (problems.length > 0) throw invalid(`The allowlist was not changed: ${problems.join('; ')}.`);
  await registry.db.transaction().execute((tx) => allowlist.replacePatterns(tx, patterns, actor.id));
  registry.log.info({ user: { name: actor.name }, patterns: patterns.length }, 'Library allowlist replaced.');
  return getAllowlist(registry);
}

/** The allowlist as the distribution build applies it. */
export async function compiledAllowlist(registry: Registry): Promise<RegExp[]> {
  const { patterns } = await allowlist.listPatterns(registry.db);
  return patterns.map((pattern) => new RegExp(pattern));
}

function patternRefusal(pattern: string): string | null {
  if (!pattern.startsWith('^')) return 'must be anchored at the start with ^';
  try {
    new RegExp(pattern);
  } catch (error) {
    return `is not a valid regular expression: ${(error as Error).message}`;
  }
  return null;
}

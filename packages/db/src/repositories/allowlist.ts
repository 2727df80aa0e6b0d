import type { Executor, Tx } from '../connection.ts';

/** The library allowlist's patterns, in the order the administrator gave them. */
export async function listPatterns(db: Executor): Promise<{ patterns: string[]; updatedAt: Date | null }> {
  const rows = await db.selectFrom('libraryAllowlist').select(['pattern', 'updatedAt']).orderBy('position').execute();
  return { patterns: rows.map((row) => row.pattern), updatedAt: rows[0]?.updatedAt ?? null };
}

/** Replaces the whole list in one transaction: readers see the old list or the new one. */
export async function replacePatterns(tx: Tx, patterns: string[], updatedBy: string): Promise<void> {
  await tx.deleteFrom('libraryAllowlist').execute();
  if (patterns.length === 0) return;
  await tx
    .insertInto('libraryAllowlist')
    .values(patterns.map((pattern, position) => ({ position, pattern, updatedBy })))
    .execute();
}

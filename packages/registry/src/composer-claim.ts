import { releases, type Executor, type ProjectRow } from '@packhouse/db';
import { composerIdentity } from '@packhouse/versions';
import { DomainError } from './errors.ts';

/**
 * The Composer version a new release of `project` would claim, refused when another
 * release already holds it: `8.x-1.0` and `1.0.0` are one Composer version (1.0.0), so a
 * project cannot have both. The unique index `releases_composer_version_key` decides races;
 * `insertClaiming` turns its violation into the same refusal.
 */
export async function claimComposerVersion(db: Executor, project: ProjectRow, version: string): Promise<string | null> {
  const claimed = composerIdentity(version);
  if (claimed === null) return null;
  const holder = await releases.findByComposerVersion(db, project.id, claimed);
  if (holder && holder.version !== version) throw composerVersionTaken(project.name, version, holder.version, claimed);
  return claimed;
}

export function composerVersionTaken(project: string, version: string, holder: string, claimed: string): DomainError {
  return new DomainError(
    'composer_version_taken',
    409,
    `${project} ${version} would be Composer version ${claimed}, which ${project} ${holder} already is: a ` +
      `project cannot release both ` +
      `a Drupal 8 legacy version and the semantic version it translates to (rule composer_version_taken).`,
  );
}

/** Runs an insert that sets `composer_version`, refusing with the rule when a concurrent release won the claim. */
export async function insertClaiming<T>(
  project: ProjectRow,
  version: string,
  claimed: string | null,
  insert: () => Promise<T>,
): Promise<T> {
  try {
    return await insert();
  } catch (error) {
    const { code, constraint } = error as { code?: string; constraint?: string };
    if (code === '23505' && constraint === 'releases_composer_version_key' && claimed !== null) {
      throw composerVersionTaken(project.name, version, 'another release', claimed);
    }
    throw error;
  }
}

import { GitFailed, GitFetchFailed, GitFetchRefused } from '@packhouse/packager';

/**
 * What a failed attempt shows. `message` is one short line anyone may read (the release
 * JSON is public): a rule and a reason, `git_fetch_failed: could not connect`. `detail`
 * is git's own output, which can name hosts, paths and server messages: it is shown to the
 * project's maintainers only. Errors of our own infrastructure (S3, Postgres) show neither:
 * they are logged, and the public line says only that packaging failed inside.
 */
export interface AttemptFailure {
  message: string;
  detail: string | null;
}

export function failureDetail(error: Error): string | null {
  if (error instanceof GitFetchRefused || error instanceof GitFetchFailed) return error.detail || null;
  if (error instanceof GitFailed) return error.stderr.trim() || null;
  return null;
}

/** A failure worth retrying, as people read it. */
export function transientFailure(error: unknown): AttemptFailure {
  if (!(error instanceof Error)) return { message: 'internal error', detail: null };
  const fromGit =
    error instanceof GitFetchFailed ||
    error instanceof GitFailed ||
    /^git(_fetch_failed:| \S+ (timed out|failed|printed))/.test(error.message);
  return fromGit
    ? { message: error.message, detail: failureDetail(error) }
    : { message: 'internal error', detail: null };
}

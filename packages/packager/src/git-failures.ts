import { SourceRefused } from './errors.ts';

/**
 * What a failed `git fetch` means, read from its stderr (git runs with LC_ALL=C). The
 * public message is one short rule-named line (`git_fetch_failed: repository not found`);
 * git's whole output is `detail`, for the project's maintainers only: it may name hosts,
 * paths and server messages that strangers should not read.
 */
interface FetchFailureKind {
  pattern: RegExp;
  reason: string;
  /** Retrying cannot help: fail the release at once. */
  permanent: boolean;
}

// First match wins.
const KINDS: readonly FetchFailureKind[] = [
  {
    pattern:
      /repository '.*' not found|does not appear to be a git repository|returned error: 404|not a git repository/i,
    reason: 'repository not found',
    permanent: true,
  },
  {
    pattern:
      /authentication failed|could not read (username|password)|terminal prompts disabled|returned error: 40[13]/i,
    reason: 'authentication required',
    permanent: true,
  },
  { pattern: /could not resolve host/i, reason: 'host does not resolve', permanent: false },
  {
    pattern: /failed to connect|connection refused|connection timed out|couldn't connect|connection reset/i,
    reason: 'could not connect',
    permanent: false,
  },
  { pattern: /ssl|tls|certificate/i, reason: 'TLS handshake failed', permanent: false },
  { pattern: /returned error: 5\d\d/i, reason: 'server error', permanent: false },
  { pattern: /timed out/i, reason: 'timed out', permanent: false },
];

/** A fetch failure worth retrying (the network, the git host having a bad minute). */
export class GitFetchFailed extends Error {
  override readonly name = 'GitFetchFailed';
  constructor(
    readonly reason: string,
    /** git's output, for maintainers. */
    readonly detail: string,
  ) {
    super(`git_fetch_failed: ${reason}`);
  }
}

/** A fetch failure that retrying cannot mend: the repository is gone, private, or malformed. */
export class GitFetchRefused extends SourceRefused {
  constructor(
    readonly reason: string,
    readonly detail: string,
  ) {
    super('git_fetch_failed', reason);
    this.message = `git_fetch_failed: ${reason}`;
  }
}

// transfer.fsckObjects: `error: object <oid>: hasDotdot: contains '..'`.
const FSCK_ERROR = /error: object [0-9a-f]+: (\w+): /;

export function fetchFailure(stderr: string): GitFetchFailed | SourceRefused {
  const detail = stderr.trim();
  const fsck = FSCK_ERROR.exec(stderr);
  if (fsck !== null || stderr.includes('fsck error')) {
    const check = fsck?.[1] ?? 'fsck';
    return new SourceRefused(
      'git_objects_invalid',
      `git refused a malformed object (${check}): trees with \`..\`, \`.git\`, duplicate or otherwise ` +
        `invalid entries are not accepted`,
    );
  }
  const kind = KINDS.find((candidate) => candidate.pattern.test(stderr));
  if (kind === undefined) return new GitFetchFailed('git fetch failed', detail);
  return kind.permanent ? new GitFetchRefused(kind.reason, detail) : new GitFetchFailed(kind.reason, detail);
}

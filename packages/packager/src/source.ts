import { isUnderAllowedSource } from './allowed-source.ts';
import { SourceRefused, quote } from './errors.ts';
import { allowsFile } from './git.ts';
import type { GitOptions } from './types.ts';

const URL_RULE = 'git_url_not_allowed';

/**
 * Refuses any git URL that is not plainly under an allowlisted source (scheme, host and path
 * prefix compared as parsed parts). `::` would select a transport helper (`ext::sh -c ...`
 * runs commands), so it is refused before anything else. Where the host resolves to is
 * checked separately (git-host.ts), at creation and again at every fetch.
 */
export function checkGitUrl(url: string, options: GitOptions): void {
  const refuse = (why: string): never => {
    throw new SourceRefused(URL_RULE, `git URL ${quote(url)} ${why}`);
  };
  if (url.includes('::')) refuse('selects a git transport helper (`::`)');
  if (url.startsWith('-') || /[\s\x00-\x1f\x7f\\]/.test(url))
    refuse('contains a leading dash, whitespace, backslashes or control characters');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refuse('is not an absolute URL (local paths and scp-like addresses are not accepted)');
  }
  if (parsed.protocol === 'file:') {
    if (!allowsFile(options)) refuse('is a local file:// URL and no file:// source is allowed');
  } else if (parsed.protocol !== 'https:') {
    refuse(`uses ${parsed.protocol.slice(0, -1)}, only https is accepted`);
  }
  if (parsed.username !== '' || parsed.password !== '') refuse('carries credentials');
  if (parsed.search !== '' || parsed.hash !== '' || url.includes('?') || url.includes('#'))
    refuse('has a query or fragment');
  // Encoded separators and dots mean one path to our check and another to the server.
  if (/%(2f|5c|2e)/i.test(url)) refuse('has a percent-encoded `/`, `\\` or `.`');
  const segments = url.slice(parsed.protocol.length).split('/');
  if (segments.some((s) => s === '.' || s === '..')) refuse('has a `.` or `..` path segment');
  if (!isUnderAllowedSource(parsed, options.allowedSources)) refuse('is not under an allowed source');
}

const REF_COMPONENT = /^[A-Za-z0-9_+][A-Za-z0-9._+-]*$/;

/** A validated tag or branch: its name and its full ref name (`refs/tags/…`, `refs/heads/…`). */
export interface GitRef {
  kind: 'tag' | 'branch';
  name: string;
  fullName: string;
}

/**
 * A stricter subset of git-check-ref-format: names end up in argv and refspecs, so no
 * leading dash, no `..`, no `:`/`^`/`~`/`*` or whitespace, no `.lock` components.
 */
export function refFor(ref: { tag: string } | { branch: string }): GitRef {
  const [kind, name] = 'tag' in ref ? (['tag', ref.tag] as const) : (['branch', ref.branch] as const);
  const valid =
    name.length > 0 &&
    name.length <= 200 &&
    !name.includes('..') &&
    name.split('/').every((c) => REF_COMPONENT.test(c) && !c.endsWith('.') && !c.endsWith('.lock'));
  if (!valid) {
    throw new SourceRefused('ref_invalid', `${kind} name ${quote(name)} is not a safe git ref name`);
  }
  return { kind, name, fullName: kind === 'tag' ? `refs/tags/${name}` : `refs/heads/${name}` };
}

/** Project names become a directory name in the cache: Drupal machine names only. */
export function checkProjectName(project: string): void {
  if (!/^[a-z0-9_]{1,128}$/.test(project)) {
    throw new SourceRefused('project_name_invalid', `project name ${quote(project)} is not a Drupal machine name`);
  }
}

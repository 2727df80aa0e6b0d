import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BlobReader } from './blobs.ts';
import { enforceCacheBudget, markUsed } from './cache-budget.ts';
import { SourceRefused, quote } from './errors.ts';
import { fetchFailure } from './git-failures.ts';
import { pinGitHost } from './git-host.ts';
import { git, runGit, type GitContext } from './git.ts';
import { decodeInfoText, infoFormat } from './info.ts';
import { checkInfoIni } from './info-ini.ts';
import { listTree } from './listing.ts';
import { readRefObjects } from './ref-objects.ts';
import { checkGitUrl, checkProjectName, refFor, type GitRef } from './source.ts';
import { checkSymlinks, decodeLinkTarget } from './symlinks.ts';
import type { Checkout, GitOptions, SourceLimits, TreeEntry } from './types.ts';

export interface CheckoutOptions {
  project: string;
  gitUrl: string;
  ref: { tag: string } | { branch: string };
  git: GitOptions;
  limits: SourceLimits;
}

// Repositories used this recently are never evicted: a packaging job may still read them.
const CACHE_GRACE_MS = 15 * 60 * 1000;

/**
 * Fetches `ref` of `gitUrl` into the project's bare cache, resolves it to a commit, and
 * lists and validates the whole tree. Throws SourceRefused for hostile or invalid
 * sources; any other error (network, timeout) is worth retrying.
 */
export async function checkout(opts: CheckoutOptions): Promise<Checkout> {
  checkProjectName(opts.project);
  checkGitUrl(opts.gitUrl, opts.git);
  const ref = refFor(opts.ref);
  const options: GitOptions = { ...opts.git, cacheDir: resolve(opts.git.cacheDir) };
  const repoDir = join(options.cacheDir, `${opts.project}.git`);
  const ctx: GitContext = { options, gitDir: repoDir };

  // Again at every fetch: what the host resolves to may have changed since the project was created.
  const pinned = await pinGitHost(opts.gitUrl, options, 'transient');
  const { commit, commitTime, annotation } = await serialized(repoDir, async () => {
    await ensureBareRepo(options, repoDir);
    await markUsed(repoDir);
    await fetchRef({ ...ctx, config: pinned.config }, opts.gitUrl, ref);
    // Read while no other fetch can move the ref: the commit and its annotation agree.
    return readRefObjects(ctx, ref);
  });
  const [entries] = await Promise.all([
    listTree(ctx, commit, opts.limits),
    options.cacheBytes === undefined
      ? undefined
      : enforceCacheBudget(options.cacheDir, options.cacheBytes, CACHE_GRACE_MS),
  ]);
  const texts = await checkContents(ctx, entries);
  checkSymlinks(entries);
  return { project: opts.project, commit, commitTime, annotation, entries, texts, repoDir, git: options };
}

async function ensureBareRepo(options: GitOptions, repoDir: string): Promise<void> {
  if (existsSync(join(repoDir, 'HEAD'))) return;
  await mkdir(options.cacheDir, { recursive: true });
  await git({ options }, ['init', '--bare', '--quiet', '--initial-branch=main', repoDir]);
}

/** Fetches the one commit packaging needs (shallow), classifying a failure as permanent or worth retrying. */
async function fetchRef(ctx: GitContext, url: string, ref: GitRef): Promise<void> {
  const refspec = `+${ref.fullName}:${ref.fullName}`;
  const args = [
    'fetch',
    '--depth=1',
    '--no-tags',
    '--force',
    '--no-write-fetch-head',
    '--quiet',
    '--end-of-options',
    url,
    refspec,
  ];
  const result = await runGit(ctx, args);
  if (result.code === 0) return;
  if (result.stderr.includes("couldn't find remote ref")) {
    throw new SourceRefused(`${ref.kind}_not_found`, `${ref.kind} ${quote(ref.name)} does not exist in ${quote(url)}`);
  }
  throw fetchFailure(result.stderr);
}

/**
 * Reads the only contents validation needs, through one cat-file process: symlink targets
 * (to check where they lead) and info files (they are rewritten as text when packaging);
 * with them the root `composer.json`, which packaging reads as text: each file read later
 * was a git process of its own. Returns the text of every file read but the links.
 */
async function checkContents(ctx: GitContext, entries: TreeEntry[]): Promise<Map<string, string | null>> {
  const texts = new Map<string, string | null>();
  const wanted = entries.filter(
    (e) =>
      e.kind === 'symlink' ||
      (e.kind !== 'directory' && (infoFormat(e.path) !== null || e.path === ROOT_COMPOSER_JSON)),
  );
  if (wanted.length === 0) return texts;
  const reader = BlobReader.open(
    ctx,
    wanted.map((e) => e.oid),
  );
  try {
    for (const entry of wanted) {
      const bytes = await reader.readAll(entry.oid, entry.size);
      if (entry.kind === 'symlink') {
        entry.linkTarget = decodeLinkTarget(entry.path, bytes);
        continue;
      }
      const text = decodeInfoText(bytes);
      texts.set(entry.path, text);
      if (entry.path === ROOT_COMPOSER_JSON) continue; // judged when its metadata is made
      if (text === null)
        throw new SourceRefused(
          'info_file_not_text',
          `info file ${quote(entry.path)} contains NUL bytes or invalid UTF-8`,
          entry.path,
        );
      if (infoFormat(entry.path) === 'ini') checkInfoIni(text, entry.path);
    }
  } finally {
    reader.close();
  }
  return texts;
}

const ROOT_COMPOSER_JSON = 'composer.json';

const queues = new Map<string, Promise<unknown>>();

/** Fetches into one cache run one at a time in this process; git's ref locks would fail them. */
async function serialized<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const current = previous.catch(() => {}).then(work);
  queues.set(key, current);
  try {
    return await current;
  } finally {
    if (queues.get(key) === current) queues.delete(key);
  }
}

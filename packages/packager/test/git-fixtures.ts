import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { GitOptions, SourceLimits } from '../src/index.ts';

/** 2025-11-28T00:00:00Z. */
export const COMMIT_TIME = 1764288000;

export const LIMITS: SourceLimits = { maxFileBytes: 10 * 1024 * 1024, maxTotalBytes: 100 * 1024 * 1024, maxFiles: 20_000 };

export type FileSpec = string | Buffer | { content: string | Buffer; executable?: boolean } | { symlink: string };

export interface Repo {
  dir: string;
  url: string;
  commit: string;
}

const temps: string[] = [];

export function tempDir(prefix = 'packhouse-packager-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** Call from afterAll. */
export function removeTempDirs(): void {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function gitOptions(cacheDir = tempDir(), allowedSources = ['file://']): GitOptions {
  return { cacheDir, allowedSources, timeoutMs: 30_000 };
}

/** Runs git in a fixture repository, isolated from the machine's config, dates fixed. */
export function gitIn(dir: string, args: string[], opts: { input?: Buffer | string; time?: number } = {}): string {
  const date = `@${opts.time ?? COMMIT_TIME} +0000`;
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'gc.auto=0', '-c', 'maintenance.auto=false', ...args], {
    cwd: dir,
    input: opts.input,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
    .toString()
    .trim();
}

function newRepo(): Repo {
  const dir = tempDir('packhouse-source-');
  gitIn(dir, ['init', '--quiet', '--initial-branch=main']);
  return { dir, url: pathToFileURL(dir).href, commit: '' };
}

/** A normal repository with one commit holding `files`, tagged `tag`. */
export function makeRepo(opts: {
  files: Record<string, FileSpec>;
  tag?: string;
  annotated?: boolean;
  commitTime?: number;
}): Repo {
  const repo = newRepo();
  for (const [path, spec] of Object.entries(opts.files)) {
    const full = join(repo.dir, path);
    mkdirSync(dirname(full), { recursive: true });
    if (typeof spec === 'object' && 'symlink' in spec) {
      symlinkSync(spec.symlink, full);
    } else if (typeof spec === 'string' || Buffer.isBuffer(spec)) {
      writeFileSync(full, spec);
    } else {
      writeFileSync(full, spec.content, { mode: spec.executable ? 0o755 : 0o644 });
    }
  }
  gitIn(repo.dir, ['add', '-A']);
  gitIn(repo.dir, ['commit', '--quiet', '-m', 'release'], { time: opts.commitTime });
  repo.commit = gitIn(repo.dir, ['rev-parse', 'HEAD']);
  if (opts.tag !== undefined) tag(repo, opts.tag, repo.commit, { annotated: opts.annotated, time: opts.commitTime });
  return repo;
}

export function tag(repo: Repo, name: string, oid: string, opts: { annotated?: boolean; time?: number } = {}): void {
  const args = opts.annotated ? ['tag', '-a', '-m', name, name, oid] : ['tag', name, oid];
  gitIn(repo.dir, args, { time: opts.time });
}

export function writeBlob(repo: Repo, content: Buffer | string): string {
  return gitIn(repo.dir, ['hash-object', '-w', '--stdin'], { input: content });
}

export interface RawEntry {
  name: string | Buffer;
  /** As in tree objects: `100644`, `100755`, `120000`, `40000`, `160000`. */
  mode: string;
  oid: string;
}

/**
 * Writes a tree object byte by byte, bypassing mktree's checks, so tests can build the
 * hostile trees (`..`, `.git`, non-UTF-8 names) a malicious remote could serve.
 */
export function writeRawTree(repo: Repo, entries: RawEntry[]): string {
  const body = Buffer.concat(
    entries.map((e) => Buffer.concat([Buffer.from(`${e.mode} `), Buffer.from(e.name), Buffer.from([0]), Buffer.from(e.oid, 'hex')])),
  );
  return gitIn(repo.dir, ['hash-object', '-t', 'tree', '--literally', '-w', '--stdin'], { input: body });
}

/** A repository whose tagged commit has the raw tree built by `build`. */
export function makeRawRepo(build: (repo: Repo) => string, tagName = '8.x-1.0'): Repo {
  const repo = newRepo();
  const tree = build(repo);
  repo.commit = gitIn(repo.dir, ['commit-tree', '-m', 'hostile', tree]);
  tag(repo, tagName, repo.commit);
  return repo;
}

/** A one-file raw tree: `name` holding `content`, with `mode`. */
export function rawTreeWith(repo: Repo, entries: Array<{ name: string | Buffer; mode?: string; content?: string; oid?: string }>): string {
  return writeRawTree(
    repo,
    entries.map((e) => ({ name: e.name, mode: e.mode ?? '100644', oid: e.oid ?? writeBlob(repo, e.content ?? '') })),
  );
}

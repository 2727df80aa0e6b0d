import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** 2025-11-28T00:00:00Z: the default author, committer and tagger time of test repositories. */
export const COMMIT_TIME = 1_764_288_000;

export type FileSpec = string | Buffer | { content: string | Buffer; executable?: boolean } | { symlink: string };

export interface TestRepo {
  dir: string;
  url: string;
  /** Runs git in the repository (see `gitIn`), dated at the repository's time. */
  git(...args: string[]): string;
  /** Replaces the working tree's files with `files`, commits them at `time` (unix seconds); returns the commit. */
  commit(files: Record<string, FileSpec>, time?: number, message?: string): string;
  /**
   * Tags `ref` (a commit by default, or any object id), lightweight or annotated at `time`;
   * an annotated tag's message is `message` (bytes kept verbatim) or `Release {name}`.
   */
  tag(name: string, options?: { annotated?: boolean; ref?: string; time?: number; message?: string | Buffer }): void;
}

/**
 * Runs git in `dir`, isolated from the machine's and the user's config, with a fixed
 * identity and dates (`time`, unix seconds), so fixtures are the same on every run.
 */
export function gitIn(
  dir: string,
  args: string[],
  { input, time = COMMIT_TIME }: { input?: Buffer | string; time?: number } = {},
): string {
  const date = `@${time} +0000`;
  return execFileSync('git', ['-c', 'gc.auto=0', '-c', 'maintenance.auto=false', ...args], {
    cwd: dir,
    input,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'Maintainer',
      GIT_AUTHOR_EMAIL: 'maintainer@example.org',
      GIT_COMMITTER_NAME: 'Maintainer',
      GIT_COMMITTER_EMAIL: 'maintainer@example.org',
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    },
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
    .toString()
    .trim();
}

const created: string[] = [];

/** A real git repository in a temp folder, addressed by a file:// URL; with `files`, one commit at `time`. */
export async function createRepo(files: Record<string, FileSpec> = {}, time = COMMIT_TIME): Promise<TestRepo> {
  const dir = mkdtempSync(path.join(tmpdir(), 'packhouse-repo-'));
  created.push(dir);
  const git = (...args: string[]) => gitIn(dir, args, { time });
  git('init', '-q', '-b', 'main');

  const repo: TestRepo = {
    dir,
    url: pathToFileURL(dir).toString(),
    git,
    commit(next, at = time, message = 'Commit') {
      git('rm', '-rq', '--ignore-unmatch', '.');
      writeTree(dir, next);
      git('add', '-A');
      // The message on stdin: a test's may be larger than a command line can hold.
      gitIn(dir, ['commit', '-q', '--allow-empty', '-F', '-'], { time: at, input: message });
      return git('rev-parse', 'HEAD');
    },
    tag(name, { annotated = false, ref = 'HEAD', time: at = time, message } = {}) {
      if (message !== undefined) {
        gitIn(dir, ['tag', '-a', '--cleanup=verbatim', '-F', '-', name, ref], { time: at, input: message });
      } else {
        gitIn(dir, annotated ? ['tag', '-a', '-m', `Release ${name}`, name, ref] : ['tag', name, ref], { time: at });
      }
    },
  };
  if (Object.keys(files).length > 0) repo.commit(files, time);
  return repo;
}

/** Deletes every repository createRepo made in this process (call from afterAll). */
export function removeRepos(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

function writeTree(dir: string, files: Record<string, FileSpec>): void {
  for (const [name, spec] of Object.entries(files)) {
    const target = path.join(dir, name);
    mkdirSync(path.dirname(target), { recursive: true });
    if (typeof spec === 'string' || Buffer.isBuffer(spec)) {
      writeFileSync(target, spec);
    } else if ('symlink' in spec) {
      symlinkSync(spec.symlink, target);
    } else {
      writeFileSync(target, spec.content);
      chmodSync(target, spec.executable ? 0o755 : 0o644);
    }
  }
}

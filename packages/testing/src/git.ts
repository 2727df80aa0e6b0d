import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export type FileSpec = string | Buffer | { content: string | Buffer; executable?: boolean } | { symlink: string };

export interface TestRepo {
  dir: string;
  url: string;
  git(...args: string[]): string;
  /** Replaces the working tree's files with `files`, commits them at `time` (unix seconds). */
  commit(files: Record<string, FileSpec>, time?: number, message?: string): string;
  tag(name: string, options?: { annotated?: boolean; ref?: string }): void;
}

/** A real git repository in a temp folder, addressed by a file:// URL. */
export async function createRepo(files: Record<string, FileSpec> = {}, time = 1_764_288_000): Promise<TestRepo> {
  const dir = await mkdtemp(path.join(tmpdir(), 'packhouse-repo-'));
  const env = {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Maintainer',
    GIT_AUTHOR_EMAIL: 'maintainer@example.org',
    GIT_COMMITTER_NAME: 'Maintainer',
    GIT_COMMITTER_EMAIL: 'maintainer@example.org',
  };
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  git('init', '-q', '-b', 'main');

  const repo: TestRepo = {
    dir,
    url: pathToFileURL(dir).toString(),
    git,
    commit(next, at = time, message = 'Commit') {
      git('rm', '-rq', '--ignore-unmatch', '.');
      writeTree(dir, next);
      git('add', '-A');
      const date = `@${at} +0000`;
      execFileSync('git', ['commit', '-q', '--allow-empty', '-m', message], {
        cwd: dir,
        env: { ...env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
      });
      return git('rev-parse', 'HEAD');
    },
    tag(name, { annotated = false, ref = 'HEAD' } = {}) {
      if (annotated) git('tag', '-a', '-m', `Release ${name}`, name, ref);
      else git('tag', name, ref);
    },
  };
  if (Object.keys(files).length > 0) repo.commit(files, time);
  return repo;
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


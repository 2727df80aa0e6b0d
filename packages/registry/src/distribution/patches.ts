import { spawn } from 'node:child_process';
import path from 'node:path';
import { SourceRefused } from '@packhouse/packager';

/**
 * Applies a patch with `git apply -p1` inside `dir` (no repository around it: the
 * ceiling stops git from finding one above). git refuses paths that leave the folder or go
 * through symlinks. A patch that does not apply fails the build, naming the patch and the
 * project: drush make once skipped them silently (drupal.org bug #1455614).
 */
export async function applyPatch(
  dir: string,
  patchFile: string,
  what: { patch: string; project: string; line: string },
): Promise<void> {
  // git runs inside `dir`: a relative path (DISTRIBUTION_CACHE_DIR's default) would name nothing there.
  const result = await run(['apply', '-p1', '--whitespace=nowarn', path.resolve(patchFile)], dir);
  if (result.code !== 0) {
    const reason = result.stderr.trim().split('\n').slice(0, 5).join('; ');
    throw new SourceRefused(
      'patch_does_not_apply',
      `patch ${what.patch} (${what.line}) does not apply to project '${what.project}': ${reason}`,
    );
  }
}

function run(args: string[], cwd: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: cwd,
        LC_ALL: 'C',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_CEILING_DIRECTORIES: path.dirname(cwd),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, stderr }));
  });
}

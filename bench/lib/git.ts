import { execFileSync } from 'node:child_process';

/**
 * Runs git in a generated benchmark repository, isolated from the user's git configuration,
 * with a fixed author and date so the same inputs give the same commits and tags.
 */
export function benchGit(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'gc.auto=0', ...args], {
    cwd: dir,
    env: {
      ...process.env,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'bench',
      GIT_AUTHOR_EMAIL: 'bench@example.org',
      GIT_COMMITTER_NAME: 'bench',
      GIT_COMMITTER_EMAIL: 'bench@example.org',
      GIT_AUTHOR_DATE: '@1764288000 +0000',
      GIT_COMMITTER_DATE: '@1764288000 +0000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .toString()
    .trim();
}

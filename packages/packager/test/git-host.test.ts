import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { pinGitHost, SourceRefused } from '../src/index.ts';
import { gitOptions } from './git-fixtures.ts';

describe('pinGitHost', () => {
  it('pins the checked addresses for git, so a second DNS answer cannot lead elsewhere', async () => {
    const pinned = await pinGitHost(
      'https://localhost:8443/x.git',
      { ...gitOptions(undefined, ['https://']), allowLoopback: true },
      'refused',
    );
    expect(pinned.addresses).toContain('127.0.0.1');
    expect(pinned.config).toHaveLength(1);
    expect(pinned.config[0]).toMatch(/^http\.curloptResolve=localhost:8443:(\[0:0:0:0:0:0:0:1\],)?127\.0\.0\.1/);
    // git's curl connects to the pinned address for a name no resolver knows.
    const output = (() => {
      try {
        execFileSync(
          'git',
          ['-c', 'http.curloptResolve=pinned.invalid:1:127.0.0.1', 'ls-remote', 'https://pinned.invalid:1/x.git'],
          { env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' }, stdio: 'pipe' },
        );
        return '';
      } catch (error) {
        return String((error as { stderr: Buffer }).stderr);
      }
    })();
    expect(output).toContain('Failed to connect to pinned.invalid port 1');
    expect(output).not.toContain('Could not resolve host');
  });

  it('refuses an unresolvable host at creation, and leaves it to retries at fetch time', async () => {
    const options = gitOptions(undefined, ['https://']);
    const refused = await pinGitHost('https://nowhere.invalid/x.git', options, 'refused').catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(SourceRefused);
    expect((refused as SourceRefused).rule).toBe('host_unresolvable');
    const transient = await pinGitHost('https://nowhere.invalid/x.git', options, 'transient').catch(
      (error: unknown) => error,
    );
    expect(transient).not.toBeInstanceOf(SourceRefused);
    expect(String(transient)).toContain('git_fetch_failed: host nowhere.invalid does not resolve');
  });

  it('has nothing to pin for file:// URLs', async () => {
    expect(await pinGitHost('file:///srv/x.git', gitOptions(), 'refused')).toEqual({ config: [], addresses: [] });
  });
});

import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

/** A port free on loopback now, so that the stack's PUBLIC_URL can name it before it listens. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ComposerRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The real `composer` (Debian's) in a site folder of its own, with its own COMPOSER_HOME
 * and cache (or a `home` shared between sites), packagist.org switched off and plain http
 * allowed (Packhouse on loopback).
 */
export function composerSite(dir: string, repositoryUrl: string, home = path.join(dir, '.composer-home')) {
  mkdirSync(home, { recursive: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'composer.json'),
    JSON.stringify(
      {
        name: 'example/site',
        type: 'project',
        repositories: [{ type: 'composer', url: repositoryUrl }, { 'packagist.org': false }],
        'minimum-stability': 'dev',
        'prefer-stable': true,
        config: {
          'secure-http': false,
          'preferred-install': 'dist',
          'allow-plugins': false,
          audit: { abandoned: 'ignore' },
        },
      },
      null,
      2,
    ),
  );
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    COMPOSER_HOME: home,
    COMPOSER_CACHE_DIR: path.join(home, 'cache'),
    COMPOSER_NO_INTERACTION: '1',
    COMPOSER_ALLOW_SUPERUSER: '1',
    COMPOSER_NO_AUDIT: '1',
    COMPOSER_DISABLE_XDEBUG_WARN: '1',
  };
  return {
    dir,
    run(...args: string[]): Promise<ComposerRun> {
      return new Promise((resolve) => {
        execFile(
          'composer',
          [...args, '--no-ansi', '--no-interaction'],
          { cwd: dir, env, timeout: 120_000, maxBuffer: 32 * 1024 * 1024 },
          (error, stdout, stderr) => {
            const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
            resolve({ code, stdout, stderr });
          },
        );
      });
    },
    /** Runs composer and fails with its output unless it succeeds. */
    async ok(...args: string[]): Promise<ComposerRun> {
      const result = await this.run(...args);
      if (result.code !== 0)
        throw new Error(`composer ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
      return result;
    },
    lock(): { packages: any[] } {
      return JSON.parse(readFileSync(path.join(dir, 'composer.lock'), 'utf8'));
    },
  };
}

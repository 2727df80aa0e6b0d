import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../src/options.ts';

const BIN = fileURLToPath(new URL('../bin/packhouse-mirror.mjs', import.meta.url));

describe('the mirror command line', () => {
  it('reads the options with their defaults, the origin without a trailing slash', () => {
    expect(parseOptions(['--origin', 'https://packages.example.org/', '--dir', '/srv/mirror'])).toEqual({
      origin: 'https://packages.example.org',
      dir: '/srv/mirror',
      once: false,
      concurrency: 8,
      intervalSeconds: 60,
      pageSize: 1000,
      attempts: 4,
      backoffMs: 500,
    });
  });

  it('refuses bad options, naming the rule', () => {
    const refusals: [string[], string][] = [
      [['--dir', 'x'], '--origin is required.'],
      [['--origin', 'https://a.example'], '--dir is required.'],
      [['--origin', 'ftp://a.example', '--dir', 'x'], '--origin must use http or https, got "ftp:".'],
      [['--origin', 'nope', '--dir', 'x'], '--origin must be a URL, got "nope".'],
      [
        ['--origin', 'https://a.example', '--dir', 'x', '--page-size', '10001'],
        '--page-size must be a whole number from 1 to 10000',
      ],
      [['--origin', 'https://a.example', '--dir', 'x', '--concurrency', '1.5'], '--concurrency must be a whole number'],
    ];
    for (const [argv, message] of refusals) expect(() => parseOptions(argv), argv.join(' ')).toThrow(message);
  });

  it('runs as the packhouse-mirror bin, which exits 64 with the usage on a bad command line', () => {
    const result = spawnSync(process.execPath, [BIN, '--dir', 'x'], { encoding: 'utf8' });
    expect(result.status).toBe(64);
    expect(result.stderr).toContain('--origin is required.');
    expect(result.stderr).toContain('Usage: packhouse-mirror --origin URL --dir PATH');
  });
});

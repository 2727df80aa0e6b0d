import { describe, expect, it } from 'vitest';
import { InvalidVersion, parseVersion, type Version } from '@packhouse/versions';

type Parts = Omit<Version, 'raw'>;
const stable = { extra: null, preRelease: null, isDev: false } as const;

const valid: Array<[string, Parts]> = [
  ['7.x-1.0', { core: '7.x', major: 1, minor: null, patch: 0, ...stable }],
  [
    '7.x-2.3-beta2',
    {
      core: '7.x',
      major: 2,
      minor: null,
      patch: 3,
      extra: 'beta2',
      preRelease: { kind: 'beta', number: 2 },
      isDev: false,
    },
  ],
  [
    '8.x-1.10-rc1',
    {
      core: '8.x',
      major: 1,
      minor: null,
      patch: 10,
      extra: 'rc1',
      preRelease: { kind: 'rc', number: 1 },
      isDev: false,
    },
  ],
  [
    '6.x-1.0-unstable3',
    {
      core: '6.x',
      major: 1,
      minor: null,
      patch: 0,
      extra: 'unstable3',
      preRelease: { kind: 'unstable', number: 3 },
      isDev: false,
    },
  ],
  ['7.x-1.x-dev', { core: '7.x', major: 1, minor: null, patch: null, extra: 'dev', preRelease: null, isDev: true }],
  ['1.2.3', { core: null, major: 1, minor: 2, patch: 3, ...stable }],
  ['0.0.0', { core: null, major: 0, minor: 0, patch: 0, ...stable }],
  ['10.2.1', { core: null, major: 10, minor: 2, patch: 1, ...stable }],
  [
    '2.0.0-rc1',
    { core: null, major: 2, minor: 0, patch: 0, extra: 'rc1', preRelease: { kind: 'rc', number: 1 }, isDev: false },
  ],
  [
    '1.0.0-alpha10',
    {
      core: null,
      major: 1,
      minor: 0,
      patch: 0,
      extra: 'alpha10',
      preRelease: { kind: 'alpha', number: 10 },
      isDev: false,
    },
  ],
  [
    '1.0.0-beta0',
    { core: null, major: 1, minor: 0, patch: 0, extra: 'beta0', preRelease: { kind: 'beta', number: 0 }, isDev: false },
  ],
  ['2.0.x-dev', { core: null, major: 2, minor: 0, patch: null, extra: 'dev', preRelease: null, isDev: true }],
  ['3.x-dev', { core: null, major: 3, minor: null, patch: null, extra: 'dev', preRelease: null, isDev: true }],
];

describe('parseVersion accepts Drupal versions', () => {
  it.each(valid)('%s', (raw, parts) => {
    expect(parseVersion(raw)).toEqual({ raw, ...parts });
  });
});

const invalid: Array<[string, string]> = [
  ['', 'empty'],
  ['1'.repeat(129), 'length'],
  ['1.0.0-RC1', 'characters'],
  [' 1.0.0', 'characters'],
  ['1.0.0\n', 'characters'],
  ['1.0.0+build', 'characters'],
  ['1.0.0_1', 'characters'],
  ['01.2.3', 'leading_zero'],
  ['1.02.3', 'leading_zero'],
  ['7.x-1.01', 'leading_zero'],
  ['07.x-1.0', 'leading_zero'],
  ['1.0.0-beta01', 'leading_zero'],
  ['9007199254740993.0.0', 'number_range'],
  ['1.0.0-gamma1', 'extra'],
  ['1.0.0-beta', 'extra'],
  ['1.0.0-rc.1', 'extra'],
  ['1.0.0-', 'extra'],
  ['1.0.0-beta1-foo', 'extra'],
  ['7.x-1.0-preview', 'extra'],
  ['1.0.0-dev', 'dev_format'],
  ['7.x-1.0-dev', 'dev_format'],
  ['2.0.x', 'dev_format'],
  ['3.x', 'dev_format'],
  ['2.0.x-beta1', 'dev_format'],
  ['1.2.3.x-dev', 'dev_format'],
  ['7.x-1.x', 'dev_format'],
  ['7.x-1.x-beta1', 'dev_format'],
  ['a.x-dev', 'dev_format'],
  ['7-1.0', 'core_prefix'],
  ['7.0-1.0', 'core_prefix'],
  ['d7.x-1.0', 'core_prefix'],
  ['x.x-1.0', 'core_prefix'],
  ['.x-1.0', 'core_prefix'],
  ['7.x-1', 'legacy_format'],
  ['7.x-1.2.3', 'legacy_format'],
  ['7.x-a.0', 'legacy_format'],
  ['7.x-', 'legacy_format'],
  ['1.2', 'semantic_format'],
  ['1', 'semantic_format'],
  ['1.2.3.4', 'semantic_format'],
  ['1..3', 'semantic_format'],
  ['1.x.3', 'semantic_format'],
  ['-1.0.0', 'semantic_format'],
  ['v1.0.0', 'semantic_format'],
  ['.', 'semantic_format'],
];

describe('parseVersion refuses what is not a Drupal version', () => {
  it.each(invalid)('%j breaks rule %s', (raw, rule) => {
    let thrown: unknown;
    try {
      parseVersion(raw);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidVersion);
    expect((thrown as InvalidVersion).rule).toBe(rule);
    expect((thrown as InvalidVersion).message).toContain(`(rule ${rule})`);
  });

  it('covers every parse rule', () => {
    // branch_format is parseDevBranch's own rule.
    expect(new Set(invalid.map(([, rule]) => rule)).size).toBe(10);
  });

  it('words the message so a maintainer can act on it', () => {
    expect(() => parseVersion('7.x-1')).toThrow(
      '`7.x-1` is not a Drupal version: a legacy version is {core}.x-{major}.{minor}[-{extra}] (rule legacy_format)',
    );
  });

  it('keeps hostile input on one short line in the message', () => {
    const error = captureInvalid('1.0\n`rm`' + 'x'.repeat(200));
    expect(error.message).not.toContain('\n');
    expect(error.message).toContain('\\u000a');
    expect(error.message).toContain('\\u0060rm\\u0060');
    expect(error.message.length).toBeLessThan(250);
    expect(error.input).toBe('1.0\n`rm`' + 'x'.repeat(200));
  });
});

function captureInvalid(raw: string): InvalidVersion {
  try {
    parseVersion(raw);
  } catch (error) {
    if (error instanceof InvalidVersion) return error;
    throw error;
  }
  throw new Error(`${raw} was accepted`);
}

import { describe, expect, it } from 'vitest';
import { branchOf, InvalidVersion, parseDevBranch, parseVersion, updateFields } from '@packhouse/versions';

describe('branchOf cuts the version after its last dot', () => {
  it.each([
    ['8.x-1.2', '8.x-1.'],
    ['8.x-1.3-beta1', '8.x-1.'],
    ['7.x-1.x-dev', '7.x-1.'],
    ['10.6.3', '10.6.'],
    ['2.0.0-rc1', '2.0.'],
    ['2.0.x-dev', '2.0.'],
    ['3.x-dev', '3.'],
  ])('%s → %s', (raw, branch) => {
    expect(branchOf(parseVersion(raw))).toBe(branch);
  });
});

describe('parseDevBranch names the dev release of a git branch', () => {
  it.each([
    ['7.x-1.x', '7.x-1.x-dev'],
    ['8.x-2.x', '8.x-2.x-dev'],
    ['2.0.x', '2.0.x-dev'],
    ['3.x', '3.x-dev'],
    // Drupal 7 core's own dev branch.
    ['7.x', '7.x-dev'],
  ])('%s → %s', (branch, version) => {
    expect(parseDevBranch(branch)).toEqual({ branch, version });
  });

  it.each(['main', '1.0.0', '7.x-1.0', '2.0', '', '2.0.x-dev', 'feature/x'])('refuses %j', (branch) => {
    const error = (() => {
      try {
        parseDevBranch(branch);
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(InvalidVersion);
    expect((error as InvalidVersion).rule).toBe('branch_format');
    expect((error as InvalidVersion).message).toContain('is not a Drupal dev branch');
  });
});

describe('updateFields maps versions to the update-XML fields', () => {
  it.each([
    ['7.x-2.3-beta2', { version_major: '2', version_patch: '3', version_extra: 'beta2' }],
    ['7.x-1.0', { version_major: '1', version_patch: '0' }],
    ['10.2.1', { version_major: '10', version_minor: '2', version_patch: '1' }],
    ['1.0.0', { version_major: '1', version_minor: '0', version_patch: '0' }],
    ['2.0.0-rc1', { version_major: '2', version_minor: '0', version_patch: '0', version_extra: 'rc1' }],
    ['2.0.x-dev', { version_major: '2', version_minor: '0', version_extra: 'dev' }],
    ['7.x-1.x-dev', { version_major: '1', version_extra: 'dev' }],
    ['3.x-dev', { version_major: '3', version_extra: 'dev' }],
  ])('%s', (raw, fields) => {
    expect(updateFields(parseVersion(raw))).toEqual(fields);
  });
});

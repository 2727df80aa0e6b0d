import { describe, expect, it } from 'vitest';
import { coreCompatibility, infoFormat, injectInfo, injectInfoIni, injectInfoYml } from '../src/index.ts';

const stamp = { project: 'foo', version: '8.x-1.2', datestamp: 1764288000 };

describe('injectInfoYml', () => {
  it('comments out packaging keys and appends the block dated from the datestamp', () => {
    const source = "name: Foo\ntype: module\nversion: VERSION\ncore: 8.x\ncore_version_requirement: ^9 || ^10\nproject: bar\ndatestamp : 1\ndependencies:\n  - drupal:node\n  version: nested\n";
    expect(injectInfoYml(source, stamp)).toBe(
      "name: Foo\ntype: module\n# version: VERSION\n# core: 8.x\ncore_version_requirement: ^9 || ^10\n# project: bar\n# datestamp : 1\ndependencies:\n  - drupal:node\n  version: nested\n" +
        "\n# Information added by Packhouse packaging on 2025-11-28\nversion: '8.x-1.2'\nproject: 'foo'\ndatestamp: 1764288000\n",
    );
  });

  it('adds a newline first when the file does not end with one', () => {
    expect(injectInfoYml('name: Foo', { ...stamp, version: '2.0.0' })).toBe(
      "name: Foo\n\n# Information added by Packhouse packaging on 2025-11-28\nversion: '2.0.0'\nproject: 'foo'\ndatestamp: 1764288000\n",
    );
  });

  it('takes the date in UTC from the datestamp, not from the clock', () => {
    const late = 1764287999; // 2025-11-27T23:59:59Z
    expect(injectInfoYml('', { ...stamp, datestamp: late })).toContain('packaging on 2025-11-27\n');
  });
});

describe('injectInfoIni', () => {
  it('appends version, core and project for legacy versions', () => {
    expect(injectInfoIni('name = Foo\ncore = 7.x\n', { ...stamp, version: '7.x-1.2' })).toBe(
      'name = Foo\ncore = 7.x\n\n; Information added by Packhouse packaging on 2025-11-28\nversion = "7.x-1.2"\ncore = "7.x"\nproject = "foo"\ndatestamp = "1764288000"\n',
    );
  });

  it('omits core for semantic versions and handles a missing final newline', () => {
    expect(injectInfoIni('name = Foo', { ...stamp, version: '1.2.3' })).toBe(
      'name = Foo\n\n; Information added by Packhouse packaging on 2025-11-28\nversion = "1.2.3"\nproject = "foo"\ndatestamp = "1764288000"\n',
    );
  });
});

describe('injectInfo', () => {
  it('dispatches on the file name and leaves other files alone', () => {
    expect(infoFormat('a/foo.info.yml')).toBe('yml');
    expect(infoFormat('foo.info')).toBe('ini');
    expect(infoFormat('foo.info.txt')).toBeNull();
    expect(injectInfo('modules/x/x.info.yml', 'name: X\n', stamp)).toContain("project: 'foo'");
    expect(injectInfo('x.info', 'name = X\n', stamp)).toContain('project = "foo"');
    expect(injectInfo('README.md', 'version: 1\n', stamp)).toBe('version: 1\n');
  });
});

describe('coreCompatibility', () => {
  it.each([
    ["core_version_requirement: ^9 || ^10\n", '^9 || ^10'],
    ["core_version_requirement: '^10.3 || ^11'\n", '^10.3 || ^11'],
    ['core_version_requirement: "^11"  # newest\n', '^11'],
    ['core_version_requirement: ^10 # comment\r\n', '^10'],
    ['name: x\n  core_version_requirement: ^9\n', null],
    ['name: x\n', null],
  ])('reads %j', (source, expected) => {
    expect(coreCompatibility(source)).toBe(expected);
  });
});

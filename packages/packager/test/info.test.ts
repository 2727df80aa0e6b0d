import { describe, expect, it } from 'vitest';
import {
  coreCompatibility,
  infoFormat,
  injectInfo,
  injectInfoIni,
  injectInfoYml,
  SourceRefused,
} from '../src/index.ts';

const stamp = { project: 'foo', version: '8.x-1.2', datestamp: 1764288000 };

describe('injectInfoYml', () => {
  it('comments out packaging keys and appends the block dated from the datestamp', () => {
    const source =
      'name: Foo\ntype: module\nversion: VERSION\ncore: 8.x\ncore_version_requirement: ^9 || ^10\nproject: bar\ndatestamp : 1\ndependencies:\n  - drupal:node\n  version: nested\n';
    expect(injectInfoYml(source, stamp)).toBe(
      'name: Foo\ntype: module\n# version: VERSION\n# core: 8.x\ncore_version_requirement: ^9 || ^10\n# project: bar\n# datestamp : 1\ndependencies:\n  - drupal:node\n  version: nested\n' +
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

describe('coreCompatibility reads core_version_requirement as YAML', () => {
  const read = (source: string) => coreCompatibility(source, 'foo.info.yml');

  it.each([
    ['core_version_requirement: ^9 || ^10\n', '^9 || ^10'],
    ["core_version_requirement: '^10.3 || ^11'\n", '^10.3 || ^11'],
    ['core_version_requirement: "^11"  # newest\n', '^11'],
    ['core_version_requirement: ^10 # comment\r\n', '^10'],
    ["core_version_requirement: '>=8.7.7 <9'\n", '>=8.7.7 <9'],
    ['core_version_requirement: >-\n  ^9 || ^10\n', '^9 || ^10'],
    ['core_version_requirement: |\n  ^10\n', '^10'],
    ['name: x\ncore_version_requirement:\n  ^10 ||\n  ^11\n', '^10 || ^11'],
    ['base: &base\n  core_version_requirement: ^10\n<<: *base\n', '^10'],
    ['\ufeffcore_version_requirement: ^11\n', '^11'],
  ])('reads %j', (source, expected) => {
    expect(read(source)).toBe(expected);
  });

  it.each([
    ['name: x\n', 'no such key'],
    ['dependencies:\n  core_version_requirement: ^9\n', 'a nested key only'],
    ['core_version_requirement:\n', 'an empty value (Drupal reads it as missing)'],
    ['core_version_requirement: ~\n', 'a null value'],
    ['', 'an empty file'],
    ['- core_version_requirement: ^9\n', 'a list, not a mapping'],
  ])('finds none in %j (%s)', (source) => {
    expect(read(source)).toBeNull();
  });

  it.each([
    ['core_version_requirement: ^9 ||\n', '`^9 ||`, which Composer cannot parse as a version constraint'],
    ['core_version_requirement: banana\n', '`banana`, which Composer cannot parse as a version constraint'],
    ["core_version_requirement: ''\n", '``, which Composer cannot parse as a version constraint'],
    ['core_version_requirement: 10\n', 'the number 10, not a quoted version constraint'],
    ['core_version_requirement: 8.10\n', 'the number 8.1, not a quoted version constraint'],
    ['core_version_requirement: true\n', 'the boolean true, not a quoted version constraint'],
    ['core_version_requirement: [^9, ^10]\n', 'a list, not a quoted version constraint'],
    ['core_version_requirement:\n  min: ^9\n', 'a mapping, not a quoted version constraint'],
  ])('refuses %j', (source, what) => {
    const error = catchError(() => read(source));
    expect(error).toBeInstanceOf(SourceRefused);
    expect(error).toMatchObject({ rule: 'core_version_requirement_invalid', path: 'foo.info.yml' });
    expect(error.message).toBe(
      `refused: info file \`foo.info.yml\` sets core_version_requirement to ${what} (rule core_version_requirement_invalid)`,
    );
  });

  it('cuts a long value in the message', () => {
    const error = catchError(() => read(`core_version_requirement: '${'x'.repeat(5000)}'\n`));
    expect(error.message).toContain(`\`${'x'.repeat(100)}\`…, which`);
  });

  it.each([
    ['core_version_requirement: >=8.7.7 <9\n', 'an unquoted `>` starts a block scalar'],
    ['name: x\n  core_version_requirement: ^9\n', 'bad indentation'],
    ['core_version_requirement: ^10\ncore_version_requirement: ^11\n', 'a duplicate key'],
    ["core_version_requirement: '^10' || ^11\n", 'text after a quoted scalar'],
    ['name: x\n---\nname: y\n', 'two documents'],
  ])('refuses an info file that is not YAML: %j (%s)', (source) => {
    const error = catchError(() => read(source));
    expect(error).toMatchObject({ rule: 'info_file_not_yaml', path: 'foo.info.yml' });
    expect(error.message).toMatch(
      /^refused: info file `foo.info.yml` is not valid YAML: .+ at line \d+, column \d+ \(rule info_file_not_yaml\)$/,
    );
  });

  it('refuses aliases that expand without bound', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefg'[i]}`).join(', ')}]`),
    ].join('\n');
    expect(catchError(() => read(`${bomb}\ncore_version_requirement: ^10\n`)).rule).toBe('info_file_not_yaml');
  });
});

function catchError(run: () => unknown): SourceRefused {
  try {
    run();
  } catch (error) {
    return error as SourceRefused;
  }
  throw new Error('expected a refusal');
}

import { describe, expect, it } from 'vitest';
import { parseMakeFile, parseMakeText } from '../src/index.ts';
import { INI, treeOf, withoutOrigins, YAML } from './fixtures.ts';

describe('make files: INI and YAML read as one model', () => {
  it('reads every supported key of the INI syntax', () => {
    const { makeFile, problems } = parseMakeText(INI, 'drupal-org.make');
    expect(problems).toEqual([]);
    expect(makeFile.api).toBe(2);
    expect(makeFile.core).toBe('7.x');
    expect(makeFile.defaults).toEqual({ projects: { subdir: 'contrib' } });
    expect(makeFile.projects.map((p) => [p.name, p.version, p.origin.line])).toEqual([
      ['drupal', '7.59', 7],
      ['views', '3.18', 10],
      ['ctools', '1.14', 13],
      ['admin_theme', '7.x-1.2', 15],
    ]);
    const views = makeFile.projects[1]!;
    expect(views.patches).toEqual([
      {
        url: 'https://libs.example.org/patches/views-fix.patch',
        key: null,
        md5: null,
        sha256: null,
        origin: { file: 'drupal-org.make', line: 11 },
      },
    ]);
    const theme = makeFile.projects[3]!;
    expect(theme).toMatchObject({ type: 'theme', subdir: 'custom', directoryName: 'admin' });
    expect(theme.patches).toEqual([
      {
        url: 'https://libs.example.org/patches/1234.patch',
        key: '1234',
        md5: null,
        sha256: 'a'.repeat(64),
        origin: { file: 'drupal-org.make', line: 19 },
      },
    ]);
    expect(makeFile.libraries).toEqual([
      {
        name: 'ckeditor',
        download: {
          type: 'file',
          url: 'https://libs.example.org/ckeditor_4.5.zip',
          sha256: 'b'.repeat(64),
          md5: null,
          subtree: null,
          origin: { file: 'drupal-org.make', line: 22 },
        },
        destination: null,
        directoryName: 'ckeditor',
        origin: { file: 'drupal-org.make', line: 22 },
      },
      {
        name: 'chosen',
        download: {
          type: 'file',
          url: 'https://libs.example.org/chosen.tar.gz',
          sha256: null,
          md5: 'c'.repeat(32),
          subtree: 'chosen/dist',
          origin: { file: 'drupal-org.make', line: 26 },
        },
        destination: 'libraries/js',
        directoryName: null,
        origin: { file: 'drupal-org.make', line: 26 },
      },
    ]);
  });

  it('reads the YAML syntax into the same model, with its own lines', () => {
    const ini = parseMakeText(INI, 'drupal-org.make');
    const yaml = parseMakeText(YAML, 'drupal-org.make.yml');
    expect(yaml.problems).toEqual([]);
    expect(withoutOrigins(yaml.makeFile)).toEqual(withoutOrigins(ini.makeFile));
    expect(yaml.makeFile.projects.map((p) => [p.name, p.origin.line])).toEqual([
      ['drupal', 10],
      ['views', 14],
      ['ctools', 19],
      ['admin_theme', 21],
    ]);
    expect(yaml.makeFile.projects[1]!.patches[0]!.origin).toEqual({ file: 'drupal-org.make.yml', line: 17 });
    expect(yaml.makeFile.libraries[1]!.origin).toEqual({ file: 'drupal-org.make.yml', line: 38 });
  });

  it('keeps YAML scalars as written: 3.10 is not 3.1', () => {
    const { makeFile } = parseMakeText('api: 2\ncore: 7.x\nprojects:\n  views: 3.10\n', 'a.make.yml');
    expect(makeFile.projects[0]!.version).toBe('3.10');
  });

  it('reads the shorthand forms: projects[] = name and projects[name] = version', () => {
    const { makeFile, problems } = parseMakeText(
      'api = 2\ncore = 8.x\nprojects[] = token\nprojects[pathauto] = 1.8\n',
      'a.make',
    );
    expect(problems).toEqual([]);
    expect(makeFile.projects.map((p) => [p.name, p.version])).toEqual([
      ['token', null],
      ['pathauto', '1.8'],
    ]);
  });

  it('lets a later INI line win, keeping the line the entry was first written on', () => {
    const { makeFile } = parseMakeText(
      'api = 2\ncore = 7.x\nprojects[views][version] = 3.1\nprojects[views][version] = 3.2\n',
      'a.make',
    );
    expect(makeFile.projects[0]).toMatchObject({ version: '3.2', origin: { line: 3 } });
  });
});

describe('make files: refusals, all at once, each with its line', () => {
  it('refuses unknown keys by name, in drupal.org wording', () => {
    const text = [
      'api = 2',
      'core = 7.x',
      'format = tar',
      'projects[views][version] = 3.1',
      'projects[views][revision] = abc123',
      'projects[views][download][branch] = 7.x-3.x',
      'projects[views][patch][1][checksum] = x',
      'libraries[jquery][download][url] = https://x.example/j.zip',
      'libraries[jquery][overwrite] = TRUE',
      'defaults[libraries][destination] = x',
    ].join('\n');
    const { problems } = parseMakeText(text, 'drupal-org.make');
    expect(problems.map((p) => `${p.origin.line}: ${p.message}`)).toEqual([
      "3: The top-level attribute 'format' is not allowed.",
      "10: The defaults attribute 'libraries' is not allowed.",
      "5: The attribute 'revision' of project 'views' is not allowed.",
      "6: The download attribute 'branch' of project 'views' is not allowed.",
      "7: The patch attribute 'checksum' of project 'views' is not allowed.",
      "7: A patch of project 'views' has no url.",
      "9: The attribute 'overwrite' of library 'jquery' is not allowed.",
    ]);
  });

  it('refuses the same unknown key in YAML at its own line', () => {
    const { problems } = parseMakeText('api: 2\ncore: 7.x\nformat: tar\n', 'drupal-org.make.yml');
    expect(problems).toEqual([
      { origin: { file: 'drupal-org.make.yml', line: 3 }, message: "The top-level attribute 'format' is not allowed." },
    ]);
  });

  it('requires api 2 and a core line', () => {
    expect(parseMakeText('api = 1\ncore = 7\n', 'a.make').problems.map((p) => p.message)).toEqual([
      "The api must be 2, not '1'.",
      "The core attribute must be a core line such as 7.x or 10.x, not '7'.",
    ]);
    expect(parseMakeText('projects[views] = 1.0\n', 'a.make').problems.map((p) => p.message)).toEqual([
      "The top-level attribute 'api' is required; it must be 2.",
      "The top-level attribute 'core' is required (a core line such as 7.x or 10.x).",
    ]);
  });

  it('refuses paths that leave the build, bad digests, bad types and bad names', () => {
    const text = [
      'api = 2',
      'core = 7.x',
      'projects[views][version] = 3.1',
      'projects[views][subdir] = ../../etc',
      'projects[views][directory_name] = a/b',
      'projects[views][type] = plugin',
      'projects[Bad-Name][version] = 1.0',
      'libraries[x][download][url] = https://x.example/x.zip',
      'libraries[x][download][sha256] = 1234',
      'libraries[x][destination] = /var/www',
    ].join('\n');
    expect(parseMakeText(text, 'a.make').problems.map((p) => `${p.origin.line}: ${p.message}`)).toEqual([
      "4: The subdir of project 'views' must be a relative folder inside the build (no '..', no leading '/'), not '../../etc'.",
      "5: The directory_name of project 'views' must be a single folder name, not 'a/b'.",
      "6: The type of project 'views' must be one of module, theme, profile, core, not 'plugin'.",
      "7: 'Bad-Name' is not a project's machine name (lowercase letters, digits and underscores).",
      "9: The sha256 of the download of library 'x' must be 64 hexadecimal digits, not '1234'.",
      "10: The destination of library 'x' must be a relative folder inside the build (no '..', no leading '/'), not '/var/www'.",
    ]);
  });

  it('names lines that are not key = value, and keys given both a value and attributes', () => {
    const { problems } = parseMakeText(
      'api = 2\ncore = 7.x\nthis is not a line\nprojects[views] = 3.1\nprojects[views][type] = module\n',
      'a.make',
    );
    expect(problems.map((p) => `${p.origin.line}: ${p.message}`)).toEqual([
      '3: This line is not a "key = value" line: "this is not a line".',
      "5: 'projects[views]' already has a value; it cannot also be given attributes.",
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const { problems } = parseMakeText('api: 2\ncore: 7.x\nprojects:\n  views: [\n', 'a.make.yml');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.message.startsWith('This is not valid YAML: '))).toBe(true);
    expect(problems[0]!.origin.line).toBeGreaterThanOrEqual(4);
  });

  it('refuses duplicate YAML keys', () => {
    const { problems } = parseMakeText('api: 2\ncore: 7.x\napi: 2\n', 'a.make.yml');
    expect(problems[0]).toMatchObject({ origin: { line: 3 } });
  });
});

describe('make files: includes', () => {
  it('merges relative includes inside the tree, the including file winning', async () => {
    const read = treeOf({
      'drupal-org.make': 'api = 2\ncore = 7.x\nincludes[] = make/contrib.make\nprojects[views][version] = 3.20\n',
      'make/contrib.make':
        'includes[] = "libraries.make.yml"\nprojects[views][version] = 3.18\nprojects[views][patch][] = https://x.example/a.patch\nprojects[ctools][version] = 1.14\n',
      'make/libraries.make.yml': 'libraries:\n  chosen:\n    download:\n      url: https://x.example/chosen.zip\n',
    });
    const { makeFile, problems } = await parseMakeFile('drupal-org.make', read);
    expect(problems).toEqual([]);
    expect(makeFile.files).toEqual(['drupal-org.make', 'make/contrib.make', 'make/libraries.make.yml']);
    expect(makeFile.projects.map((p) => [p.name, p.version, p.origin.file])).toEqual([
      ['views', '3.20', 'make/contrib.make'],
      ['ctools', '1.14', 'make/contrib.make'],
    ]);
    expect(makeFile.projects[0]!.patches[0]!.origin).toEqual({ file: 'make/contrib.make', line: 3 });
    expect(makeFile.libraries[0]!.origin).toEqual({ file: 'make/libraries.make.yml', line: 2 });
  });

  it('appends to lists across includes rather than overwriting them', async () => {
    const read = treeOf({
      'a.make':
        'api = 2\ncore = 7.x\nincludes[] = b.make\nprojects[views][version] = 3.1\nprojects[views][patch][] = https://x.example/2.patch\n',
      'b.make': 'projects[views][patch][] = https://x.example/1.patch\n',
    });
    const { makeFile } = await parseMakeFile('a.make', read);
    expect(makeFile.projects[0]!.patches.map((p) => p.url)).toEqual([
      'https://x.example/1.patch',
      'https://x.example/2.patch',
    ]);
  });

  it('refuses cycles, naming the chain', async () => {
    const read = treeOf({
      'drupal-org.make': 'api = 2\ncore = 7.x\nincludes[] = a.make\n',
      'a.make': 'includes[] = b.make\n',
      'b.make': 'includes[] = ./drupal-org.make\n',
    });
    const { problems } = await parseMakeFile('drupal-org.make', read);
    expect(problems).toEqual([
      {
        origin: { file: 'b.make', line: 1 },
        message: "The include './drupal-org.make' makes a cycle: drupal-org.make → a.make → b.make → drupal-org.make.",
      },
    ]);
  });

  it('refuses includes nested deeper than three levels', async () => {
    const read = treeOf({
      'm0.make': 'api = 2\ncore = 7.x\nincludes[] = m1.make\n',
      'm1.make': 'includes[] = m2.make\n',
      'm2.make': 'includes[] = m3.make\n',
      'm3.make': 'includes[] = m4.make\nprojects[views] = 3.1\n',
      'm4.make': 'projects[ctools] = 1.0\n',
    });
    const { makeFile, problems } = await parseMakeFile('m0.make', read);
    expect(problems).toEqual([
      {
        origin: { file: 'm3.make', line: 1 },
        message: "The include 'm4.make' nests deeper than 3 levels of includes.",
      },
    ]);
    expect(makeFile.projects.map((p) => p.name)).toEqual(['views']);
  });

  it('refuses includes that are absolute, URLs, leave the tree, or are missing', async () => {
    const read = treeOf({
      'sub/main.make':
        'api = 2\ncore = 7.x\nincludes[] = /etc/passwd\nincludes[] = https://example.org/x.make\nincludes[] = ../../outside.make\nincludes[] = missing.make\n',
    });
    const { problems } = await parseMakeFile('sub/main.make', read);
    expect(problems.map((p) => `${p.origin.line}: ${p.message}`)).toEqual([
      "3: The include '/etc/passwd' must be a relative path to a make file inside the same tree.",
      "4: The include 'https://example.org/x.make' must be a relative path to a make file inside the same tree.",
      "5: The include '../../outside.make' must be a relative path to a make file inside the same tree.",
      "6: The included make file 'sub/missing.make' does not exist in the tree.",
    ]);
  });
});

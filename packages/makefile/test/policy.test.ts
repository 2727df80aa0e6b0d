import { describe, expect, it } from 'vitest';
import { checkPolicy, isExact, MakeFileInvalid, parseMakeText } from '../src/index.ts';
import { INI } from './fixtures.ts';

const allowlist = [/^https:\/\/libs\.example\.org\//];

describe('make-file policy (drupal.org packaging rules decidable from the file alone)', () => {
  it('passes a make file that pins everything and downloads only from the allowlist', () => {
    const { makeFile } = parseMakeText(INI, 'drupal-org.make');
    expect(checkPolicy(makeFile, { allowlist, allowHttp: false })).toEqual([]);
  });

  it('reports every problem with its line', () => {
    const text = [
      'api = 2',
      'core = 7.x',
      'projects[] = token',
      'projects[views][version] = 3.x-dev',
      'projects[ctools][version] = 1.14',
      'projects[ctools][download][url] = https://libs.example.org/ctools.tgz',
      'projects[ctools][patch][] = http://libs.example.org/ctools.patch',
      'projects[panels][version] = 3.9',
      'projects[panels][patch][] = https://evil.example.com/p.patch',
      'projects[sub][type] = profile',
      'projects[sub][version] = 1.0',
      'libraries[a][download][type] = git',
      'libraries[a][download][url] = https://libs.example.org/a.git',
      'libraries[b][destination] = libraries',
      'libraries[c][download][url] = https://user:pw@libs.example.org/c.zip',
    ].join('\n');
    const { makeFile } = parseMakeText(text, 'drupal-org.make');
    const problems = checkPolicy(makeFile, { allowlist, allowHttp: false });
    expect(problems.map((p) => `${p.origin.line}: ${p.message}`)).toEqual([
      "3: Project 'token' is not pinned to a version; set projects[token][version] to one of its releases.",
      "4: Project 'views' is pinned to '3.x-dev', which is not an exact release (no -dev, no .x).",
      "6: Project 'ctools' sets a download; projects come from their published releases, pinned with [version].",
      "7: The patch URL 'http://libs.example.org/ctools.patch' of project 'ctools' must use https.",
      "9: The patch URL 'https://evil.example.com/p.patch' of project 'panels' is not on the library allowlist.",
      "10: Project 'sub' is an install profile; a distribution bundles modules, themes and libraries, not other profiles.",
      "12: Library 'a' uses the download type 'git'; only 'file' downloads are allowed.",
      "14: Library 'b' has no download url.",
      "15: The download URL 'https://user:pw@libs.example.org/c.zip' of library 'c' must not carry credentials.",
    ]);
    const error = new MakeFileInvalid(problems);
    expect(error.message.split('\n')[0]).toBe('The make file breaks 9 rules:');
    expect(error.message).toContain(
      "\n  drupal-org.make:9: The patch URL 'https://evil.example.com/p.patch' of project 'panels' is not on the library allowlist.",
    );
  });

  it('lets plain http through only when told to (tests with a loopback library server)', () => {
    const { makeFile } = parseMakeText(
      'api = 2\ncore = 7.x\nlibraries[a][download][url] = http://127.0.0.1:9/a.zip\n',
      'a.make',
    );
    expect(checkPolicy(makeFile, { allowlist: [/^http:\/\/127\.0\.0\.1:9\//], allowHttp: true })).toEqual([]);
    expect(checkPolicy(makeFile, { allowlist: [/^http:\/\/127\.0\.0\.1:9\//], allowHttp: false })[0]!.message).toMatch(
      /must use https\.$/,
    );
  });

  it('knows an exact release from a branch', () => {
    for (const version of ['3.1', '7.x-3.1', '2.0.4', '1.0-beta2', '8.x-1.0-rc1', '10.2.1'])
      expect(isExact(version), version).toBe(true);
    for (const version of ['3.x', '7.x-3.x', '1.x-dev', '7.x-1.x-dev', '2.0.x-dev', 'x', 'latest', ''])
      expect(isExact(version), version).toBe(false);
  });
});

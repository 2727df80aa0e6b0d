import { afterAll, describe, expect, it } from 'vitest';
import { createRepo, type FileSpec } from '@packhouse/testing';
import { archives, checkout, composerJsonRequire, SourceRefused } from '../src/index.ts';
import { cleanUp, gitOptions, LIMITS } from './git-fixtures.ts';

afterAll(cleanUp);

async function metadataOf(files: Record<string, FileSpec>, type: 'module' | 'core' = 'module') {
  const repo = await createRepo(files);
  repo.tag('8.x-1.0');
  const co = await checkout({
    project: 'foo',
    gitUrl: repo.url,
    ref: { tag: '8.x-1.0' },
    git: gitOptions(),
    limits: LIMITS,
  });
  const built = await archives(co, { project: 'foo', version: '8.x-1.0', type });
  built.tarGz.destroy();
  built.zip.destroy();
  return built.composer;
}

async function refusal(files: Record<string, FileSpec>): Promise<SourceRefused> {
  const error = await metadataOf(files).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SourceRefused);
  return error as SourceRefused;
}

const INFO = [
  'name: Foo',
  'type: module',
  "core_version_requirement: '^10 || ^11'",
  'dependencies:',
  '  - drupal:node',
  '  - foo:foo_helper',
  '  - ctools:ctools (>=8.x-3.0)',
  '  - token:token',
  '  - views',
  '',
].join('\n');

describe('Composer metadata captured at packaging time', () => {
  it(
    'merges composer.json require, info dependencies on other projects and ' +
      'core_version_requirement as drupal/core',
    async () => {
      const composer = await metadataOf({
        'foo.info.yml': INFO,
        'composer.json': JSON.stringify({
          name: 'drupal/foo',
          require: { php: '>=8.1', 'drupal/token': '^1.5', 'ext-json': '*' },
        }),
        'modules/foo_helper/foo_helper.info.yml': 'name: Helper\n',
        'modules/foo_ui/foo_ui.info.yml': 'name: UI\n',
        'tests/modules/foo_test/foo_test.info.yml': 'name: Test\n',
      });
      // drupal:node and the project itself add nothing; a bare module names no project; composer.json wins on token.
      expect(composer.require).toEqual({
        'drupal/core': '^10 || ^11',
        'drupal/ctools': '*',
        'drupal/token': '^1.5',
        'ext-json': '*',
        php: '>=8.1',
      });
      expect(composer.submodules).toEqual(['foo_helper', 'foo_ui']);
    },
  );

  it('requires nothing for a tree without info file or composer.json', async () => {
    expect(await metadataOf({ 'README.md': 'hi\n' })).toEqual({ require: {}, submodules: [] });
  });

  it('gives core no metapackages and does not make core require itself', async () => {
    const composer = await metadataOf(
      { 'foo.info.yml': "name: Core\ncore_version_requirement: '^10'\n", 'modules/node/node.info.yml': 'name: Node\n' },
      'core',
    );
    expect(composer).toEqual({ require: {}, submodules: [] });
  });

  it.each([
    ['not JSON', '{"require": ', /`composer.json` is not valid JSON/],
    ['not an object', '[1, 2]', /`composer.json` is not a JSON object/],
    ['a require that is a list', '{"require": ["drupal/token"]}', /has a "require" that is not an object/],
    ['a bad package name', '{"require": {"Token": "^1"}}', /requires "Token", which is not a package name/],
    [
      'a bad constraint',
      '{"require": {"drupal/token": "^^1"}}',
      /requires drupal\/token at "\^\^1", which Composer cannot parse/,
    ],
    ['a constraint that is not a string', '{"require": {"drupal/token": 1}}', /requires drupal\/token at 1/],
  ])('refuses a composer.json with %s (rule composer_json_invalid)', async (_, json, message) => {
    const error = await refusal({ 'foo.info.yml': 'name: Foo\n', 'composer.json': json });
    expect(error.rule).toBe('composer_json_invalid');
    expect(error.path).toBe('composer.json');
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/\(rule composer_json_invalid\)$/);
  });

  it('refuses a composer.json that is not text', async () => {
    const error = await refusal({ 'composer.json': Buffer.from([0x7b, 0, 0x7d]) });
    expect(error.rule).toBe('composer_json_invalid');
  });

  it('accepts dev branch constraints and platform packages', () => {
    expect(
      composerJsonRequire('{"require": {"drupal/x": "dev-main", "lib-libxml": "*", "composer-plugin-api": "^2"}}'),
    ).toEqual({
      'drupal/x': 'dev-main',
      'lib-libxml': '*',
      'composer-plugin-api': '^2',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { expand, projectTypesOf, renderMetapackage, renderPackage, type ComposerReleaseInput } from '../src/index.ts';

const project = {
  name: 'olivero_plus',
  title: 'Olivero plus',
  type: 'theme' as const,
  abandoned: false,
  securityCoverage: true,
  gitUrl: 'https://git.example.org/olivero_plus.git',
  homepage: 'https://packhouse.example.org/project/olivero_plus',
};

const release = (version: string, fields: Partial<ComposerReleaseInput> = {}): ComposerReleaseInput => ({
  version,
  tag: version,
  kind: 'tag',
  commit: 'c0ffee',
  unpublished: false,
  require: {},
  submodules: [],
  time: '2026-11-28T00:00:00+00:00',
  datestamp: 1_764_288_000,
  zipUrl: `https://packhouse.example.org/files/projects/olivero_plus-${version}.zip`,
  zipSha1: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
  ...fields,
});

const versions = (document: ReturnType<typeof renderPackage>, name = 'drupal/olivero_plus') =>
  expand(document.packages[name]!) as any[];

describe('p2 documents as packages.drupal.org publishes them', () => {
  it('names every project type by its Composer type, and the type back', () => {
    const typeOf = (type: 'core' | 'module' | 'theme' | 'distribution') =>
      versions(
        renderPackage({ ...project, type }, [release('1.0.0')], [], { dev: false, repositoryUrl: '' }),
        type === 'core' ? 'drupal/core' : undefined,
      )[0].type;
    expect(['core', 'module', 'theme', 'distribution'].map((type) => typeOf(type as any))).toEqual([
      'drupal-core',
      'drupal-module',
      'drupal-theme',
      'drupal-profile',
    ]);
    expect(projectTypesOf('drupal-profile')).toEqual(['distribution']);
    expect(projectTypesOf('')).toEqual(['core', 'module', 'theme', 'distribution']);
    expect(projectTypesOf('library')).toEqual([]);
  });

  it('offers translated tagged releases newest first; leaves out unpublished, 7.x and unstable ones', () => {
    const document = renderPackage(
      project,
      [
        release('8.x-1.9'),
        release('8.x-1.10-beta2'),
        release('7.x-3.4'),
        release('8.x-1.11-unstable1'),
        release('8.x-1.8', { unpublished: true }),
        release('8.x-1.x-dev', { kind: 'dev' }),
      ],
      [],
      { dev: false, repositoryUrl: '' },
    );
    expect(versions(document).map((version) => [version.version, version.extra.drupal.version])).toEqual([
      ['1.10.0-beta2', '8.x-1.10-beta2'],
      ['1.9.0', '8.x-1.9'],
    ]);
    // Security coverage: stable releases of a covered project only.
    expect(versions(document).map((version) => version.extra.drupal['security-coverage'].status)).toEqual([
      'not-covered',
      'covered',
    ]);
  });

  it('aliases dev branches to their numbered dev version, in the ~dev document only', () => {
    const document = renderPackage(
      project,
      [release('8.x-1.x-dev', { kind: 'dev', tag: '8.x-1.x' }), release('2.1.x-dev', { kind: 'dev', tag: '2.1.x' })],
      [],
      { dev: true, repositoryUrl: '' },
    );
    expect(versions(document).map((version) => [version.version, version.extra['branch-alias']])).toEqual([
      ['dev-2.1.x', { 'dev-2.1.x': '2.1.x-dev' }],
      ['dev-1.x', { 'dev-1.x': '1.x-dev' }],
    ]);
    expect(versions(document)[0].source).toEqual({ type: 'git', url: project.gitUrl, reference: 'c0ffee' });
    expect(document).not.toHaveProperty('security-advisories');
  });

  it('publishes a sub-module as a metapackage of the releases that ship it, requiring the parent', () => {
    const document = renderMetapackage(
      'olivero_plus_ui',
      { ...project, abandoned: true },
      [release('8.x-1.2', { submodules: ['olivero_plus_ui'] }), release('8.x-1.1')],
      { dev: false },
    );
    expect(versions(document, 'drupal/olivero_plus_ui')).toEqual([
      expect.objectContaining({
        version: '1.2.0',
        type: 'metapackage',
        require: { 'drupal/olivero_plus': '1.2.0' },
        abandoned: true,
      }),
    ]);
  });
});

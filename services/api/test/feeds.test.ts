import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { client, startStack, type Stack, type TestRepo } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  child,
  childNames,
  followsOrder,
  parseXml,
  PROJECT_ORDER,
  readLikeDrupal,
  RELEASE_ORDER,
} from '@packhouse/testing/update-status';
import { archiveFacts, buildScenario, fillTemplate, T, toTemplate, waitPublished, type Api } from './feeds-scenario.ts';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
const BUILT = ['7.x-1.0', '8.x-1.0', '2.0.0'];

describe('update status feeds of a project built by the real pipeline', () => {
  let stack: Stack;
  let alice: Api;
  let repo: TestRepo;
  let anonymous: Api;
  let facts: Map<string, Record<string, string>>;

  beforeAll(async () => {
    stack = await startStack();
    ({ alice, repo } = await buildScenario(stack));
    anonymous = client(stack.app);
    facts = await archiveFacts(stack, anonymous, BUILT);
  }, 180_000);
  afterAll(() => stack.close());

  const feed = async (selector: string) => {
    const response = await anonymous('GET', `/release-history/ctools/${selector}`);
    expect(response.status).toBe(200);
    return response.raw.toString('utf8');
  };

  it.each(['current', '7.x'])('answers /release-history/ctools/%s byte for byte as its fixture', async (selector) => {
    const xml = await feed(selector);
    const name = `ctools.${selector}.xml`;
    if (process.env.UPDATE_FIXTURES) writeFileSync(fixture(name), toTemplate(xml, facts));
    expect(xml).toBe(fillTemplate(readFileSync(fixture(name), 'utf8'), facts));
  });

  it.each(['current', 'all', '7.x', '8.x', '6.x'])(
    'serves %s in Drupal element order, readable by Drupal',
    async (selector) => {
      const xml = await feed(selector);
      const root = parseXml(xml);
      expect(followsOrder(childNames(root), PROJECT_ORDER)).toBe(true);
      for (const release of child(root, 'releases')?.children ?? []) {
        expect(followsOrder(childNames(release), RELEASE_ORDER), childNames(release).join(',')).toBe(true);
      }
      const drupal = readLikeDrupal(xml);
      expect(drupal.fields).toMatchObject({
        short_name: 'ctools',
        'dc:creator': 'alice',
        link: 'http://packhouse.test/project/ctools',
      });
      for (const [version, release] of drupal.releases) {
        expect(release.fields.release_link).toBe(`http://packhouse.test/project/ctools/releases/${version}`);
        expect(release.fields.name).toBe(`ctools ${version}`);
      }
    },
  );

  it('lists built releases only, newest first, in each feed', async () => {
    const versions = async (selector: string) => [...readLikeDrupal(await feed(selector)).releases.keys()];
    expect(await versions('current')).toEqual(['2.1.0-rc1', '2.0.1', '2.0.0', '2.0.x-dev', '8.x-1.1', '8.x-1.0']);
    expect(await versions('7.x')).toEqual(['7.x-2.x-dev', '7.x-1.1-beta1', '7.x-1.0']);
    expect(await versions('8.x')).toEqual(['8.x-1.1', '8.x-1.0']);
    expect(await versions('6.x')).toEqual([]);
    expect(await versions('all')).toEqual([
      '2.1.0-rc1',
      '2.0.1',
      '2.0.0',
      '2.0.x-dev',
      '8.x-1.1',
      '8.x-1.0',
      '7.x-2.x-dev',
      '7.x-1.1-beta1',
      '7.x-1.0',
    ]);
  });

  it('gives each built release the md5, size and date of the archive a site downloads', async () => {
    const releases = readLikeDrupal(await feed('all')).releases;
    for (const version of BUILT) {
      const { fields } = releases.get(version)!;
      const download = await anonymous('GET', new URL(fields.download_link!).pathname);
      expect(download.status).toBe(200);
      expect(createHash('md5').update(download.raw).digest('hex')).toBe(fields.mdhash);
      expect(String(download.raw.length)).toBe(fields.filesize);
    }
    // The date is the tag commit's time, which is also the packaged `datestamp` Drupal compares it with.
    expect(releases.get('7.x-1.0')!.fields.date).toBe(String(T));
    expect(releases.get('2.0.0')!.fields.date).toBe(String(T + 7200));
    expect(releases.get('2.0.0')!.fields.core_compatibility).toBeUndefined(); // only in the current feed
    expect(readLikeDrupal(await feed('current')).releases.get('2.0.0')!.fields.core_compatibility).toBe('^10 || ^11');
  });

  it('lists every project in /release-history/project-list/all', async () => {
    await alice('POST', '/api/v1/projects', {
      name: 'olivero_plus',
      title: 'Olivero <Plus>',
      type: 'theme',
      gitUrl: 'file:///srv/olivero_plus',
    });
    const response = await anonymous('GET', '/release-history/project-list/all');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/xml; charset=utf-8');
    const root = parseXml(response.raw.toString('utf8'));
    expect(root.name).toBe('projects');
    const byName = new Map(root.children.map((project) => [child(project, 'short_name')!.text, project]));
    const ctools = byName.get('ctools')!;
    expect(childNames(ctools)).toEqual([
      'title',
      'short_name',
      'link',
      'dc:creator',
      'type',
      'project_status',
      'api_versions',
      'terms',
    ]);
    expect(child(ctools, 'api_versions')!.children.map((api) => api.text)).toEqual(['7.x', '8.x', 'current']);
    expect(child(ctools, 'dc:creator')!.text).toBe('alice');
    const theme = byName.get('olivero_plus')!;
    expect(childNames(theme)).toEqual(['title', 'short_name', 'link', 'dc:creator', 'type', 'project_status', 'terms']);
    expect(child(theme, 'title')!.text).toBe('Olivero <Plus>');
    expect(child(theme, 'type')!.text).toBe('project_theme');
  });

  it('lists a release the worker publishes in the first response after it is published', async () => {
    const before = await anonymous('GET', '/release-history/ctools/current');
    expect((await anonymous('GET', '/release-history/ctools/current')).headers['x-packhouse-cache']).toBe('hit');

    repo.commit(
      { 'ctools.info.yml': 'name: Chaos tools\ntype: module\ncore_version_requirement: ^10 || ^11\n' },
      T + 9000,
    );
    repo.tag('2.0.4');
    const worker = stack.startWorker();
    try {
      expect(
        (await alice('POST', '/api/v1/projects/ctools/releases', { tag: '2.0.4', releaseTypes: ['bugfix'] })).status,
      ).toBe(202);
      await waitPublished(alice, 'ctools', '2.0.4');
    } finally {
      await worker.close();
    }
    const after = await anonymous('GET', '/release-history/ctools/current');
    expect(after.headers['x-packhouse-cache']).toBe('miss');
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect([...readLikeDrupal(after.raw.toString('utf8')).releases.keys()].slice(0, 3)).toEqual([
      '2.1.0-rc1',
      '2.0.4',
      '2.0.1',
    ]);
  }, 90_000);
});

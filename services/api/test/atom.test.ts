import { client, startStack, type Stack } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { child, parseXml, type XmlNode } from '@packhouse/testing/update-status';
import { seedRelease } from './feed-seed.ts';

const T = 1_764_288_000;

describe('Atom feeds of releases', () => {
  let stack: Stack;
  let anonymous: ReturnType<typeof client>;
  const entries = (feed: XmlNode) => feed.children.filter((node) => node.name === 'entry');
  const text = (node: XmlNode, name: string) => child(node, name)?.text;

  beforeAll(async () => {
    stack = await startStack();
    anonymous = client(stack.app);
    const admin = client(stack.app, stack.adminToken);
    await admin('POST', '/api/v1/projects', {
      name: 'token',
      title: 'Token & Co',
      type: 'module',
      gitUrl: 'file:///srv/token',
    });
    await admin('POST', '/api/v1/projects', {
      name: 'views',
      title: 'Views',
      type: 'module',
      gitUrl: 'file:///srv/views',
    });
    await seedRelease(stack.registry, 'token', { version: '8.x-1.0', commitTime: T });
    await seedRelease(stack.registry, 'views', {
      version: '3.0.0',
      commitTime: T + 60,
      insecure: true,
      releaseTypes: ['security'],
    });
    await seedRelease(stack.registry, 'token', { version: '8.x-1.1', commitTime: T + 120 });
    await seedRelease(stack.registry, 'token', { version: '8.x-1.2', commitTime: T + 180, feedStatus: 'unpublished' });
    await seedRelease(stack.registry, 'token', { version: '8.x-1.3', commitTime: T + 240, status: 'failed' });
  });
  afterAll(() => stack.close());

  it('lists the published releases of every project, newest first, with their files', async () => {
    const response = await anonymous('GET', '/feeds/releases.atom');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    const feed = parseXml(response.raw.toString('utf8'));
    expect(feed.name).toBe('feed');
    expect(feed.attributes.xmlns).toBe('http://www.w3.org/2005/Atom');
    expect(entries(feed).map((entry) => text(entry, 'title'))).toEqual([
      'Token & Co 8.x-1.1',
      'Views 3.0.0',
      'Token & Co 8.x-1.0',
    ]);
    expect(text(feed, 'updated')).toBe(text(entries(feed)[0]!, 'updated'));
    const views = entries(feed)[1]!;
    expect(text(views, 'id')).toBe('urn:packhouse:release:views:3.0.0');
    expect(text(views, 'summary')).toContain('Views 3.0.0 (insecure, security).');
    const enclosures = views.children.filter((node) => node.name === 'link' && node.attributes.rel === 'enclosure');
    expect(enclosures.map((link) => link.attributes.href)).toEqual([
      'http://packhouse.test/files/projects/views-3.0.0.tar.gz',
      'http://packhouse.test/files/projects/views-3.0.0.zip',
    ]);
  });

  it("gives one project's releases, and 404 for a project that does not exist", async () => {
    const feed = parseXml((await anonymous('GET', '/project/token/releases.atom')).raw.toString('utf8'));
    expect(text(feed, 'title')).toBe('Token & Co: releases');
    expect(entries(feed).map((entry) => text(entry, 'title'))).toEqual(['Token & Co 8.x-1.1', 'Token & Co 8.x-1.0']);
    expect((await anonymous('GET', '/project/nope/releases.atom')).status).toBe(404);
    expect((await anonymous('GET', '/project/Bad-Name/releases.atom')).status).toBe(400);
  });
});

import { client, startStack, type Stack } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('OpenAPI: the feeds are documented as the XML they serve', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it.each(['/release-history/project-list/all', '/release-history/{project}/{selector}'])(
    '%s: 200 and 404 are XML, 304 has no body',
    async (path) => {
      const document = (await client(stack.app)('GET', '/docs/json')).body;
      const responses = document.paths[path].get.responses;
      for (const status of ['200', '404']) {
        expect(Object.keys(responses[status].content), status).toEqual(['application/xml']);
        expect(responses[status].content['application/xml'].schema, status).toEqual({ type: 'string' });
        expect(responses[status].description, status).toMatch(/XML/);
      }
      expect(responses['304']).toEqual({ description: expect.stringMatching(/Not modified/) });
    },
  );

  it('still answers a feed with XML, and JSON routes with JSON documents', async () => {
    const feed = await client(stack.app)('GET', '/release-history/nothing/current');
    expect(feed.status).toBe(404);
    expect(feed.headers['content-type']).toMatch(/^application\/xml/);
    const document = (await client(stack.app)('GET', '/docs/json')).body;
    expect(Object.keys(document.paths['/api/v1/projects/{name}'].get.responses['200'].content)).toEqual([
      'application/json',
    ]);
  });
});

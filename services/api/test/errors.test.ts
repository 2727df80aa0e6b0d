import { client, startStack, type Stack } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Api = ReturnType<typeof client>;
const project = { name: 'webform', title: 'Webform', type: 'module', gitUrl: 'file:///srv/webform' };

describe('error envelope: every refusal names the rule it broke', () => {
  let stack: Stack;
  let admin: Api;
  let webhookSecret: string;

  beforeAll(async () => {
    stack = await startStack();
    admin = client(stack.app, stack.adminToken);
    const created = await admin('POST', '/api/v1/projects', project);
    expect(created.status).toBe(201);
    webhookSecret = created.body.webhookSecret;
  });
  afterAll(() => stack.close());

  const refused = async (
    method: 'POST' | 'PATCH' | 'GET',
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => {
    const response = await admin(method, url, body, headers);
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body.error.code).toBe('bad_request');
    return response.body.error.message as string;
  };

  it('names an unknown field', async () => {
    expect(await refused('POST', '/api/v1/projects', { ...project, name: 'colours', colour: 'red' })).toBe(
      'body: unknown field "colour"',
    );
    expect(await refused('PATCH', '/api/v1/projects/webform', { securityCoverage: true, colour: 'red' })).toBe(
      'body: unknown field "colour"',
    );
  });

  it('names a missing field', async () => {
    expect(await refused('POST', '/api/v1/projects', { name: 'other', title: 'Other', type: 'module' })).toBe(
      'body: missing required field "gitUrl"',
    );
  });

  it('lists the allowed values of an enum once, whatever the wrong value is', async () => {
    const release = '/api/v1/projects/webform/releases/1.0.0';
    expect(await refused('PATCH', release, { status: 'gone' })).toBe(
      'body/status must be one of: published, unpublished',
    );
    expect(await refused('PATCH', release, { status: 5 })).toBe('body/status must be one of: published, unpublished');
    expect(await refused('PATCH', release, { releaseTypes: ['secure'] })).toBe(
      'body/releaseTypes/0 must be one of: security, bugfix, feature',
    );
    expect(await refused('PATCH', '/api/v1/projects/webform', { status: 'archived' })).toBe(
      'body/status must be one of: published, unsupported, unpublished, insecure, revoked',
    );
    expect(await refused('POST', '/api/v1/projects', { ...project, name: 'plugin', type: 'plugin' })).toBe(
      'body/type must be one of: core, module, theme, distribution',
    );
  });

  it('keeps other rules readable, one message each, without repeats', async () => {
    expect(await refused('PATCH', '/api/v1/projects/webform', {})).toBe('body must NOT have fewer than 1 properties');
    expect(await refused('POST', '/api/v1/projects', { ...project, name: 'Not Valid' })).toMatch(
      /^body\/name must match pattern "/,
    );
    expect(await refused('GET', '/api/v1/projects/Not-Valid/support')).toMatch(/^params\/name must match pattern "/);
    expect(
      await refused('PATCH', '/api/v1/projects/webform/releases/1.0.0', { releaseTypes: ['bugfix', 'bugfix'] }),
    ).toBe('body/releaseTypes must NOT have duplicate items (items ## 0 and 1 are identical)');
    // A delivery is authenticated before it is validated: this one is signed, so its shape is judged.
    const delivery = { after: 5, project: { git_http_url: project.gitUrl } };
    expect(await refused('POST', '/api/v1/hooks/gitlab', delivery, { 'x-gitlab-token': webhookSecret })).toBe(
      'body/after must be string or null',
    );
  });

  it('says so when the body is not JSON, with a stable code', async () => {
    const json = { 'content-type': 'application/json' };
    expect(await refused('POST', '/api/v1/projects', '{"name": "webform",', json)).toBe(
      'The request body is not valid JSON.',
    );
    expect(await refused('POST', '/api/v1/projects', '', json)).toBe(
      'The request body is empty, but its content-type says JSON.',
    );

    const xml = await admin('POST', '/api/v1/projects', '<project/>', { 'content-type': 'application/xml' });
    expect(xml.status).toBe(415);
    expect(xml.body.error).toEqual({
      code: 'unsupported_media_type',
      message: 'The content-type "application/xml" is not supported here; send application/json.',
    });

    const large = await admin('POST', '/api/v1/projects', { ...project, title: 'x'.repeat(1024 * 1024) });
    expect(large.status).toBe(413);
    expect(large.body.error).toEqual({ code: 'payload_too_large', message: 'The request body is too large.' });
  });
});

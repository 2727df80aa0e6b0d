import { client, eventually, removeRepos, signUp, startStack, type Stack } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CORE_FILES,
  distributionOf,
  profileFiles,
  publishProject,
  releaseOf,
  TOKEN_FILES,
} from './distribution-fixtures.ts';

type Api = ReturnType<typeof client>;

const WAIT_MS = 15_000;

function makeFile(pins: Record<string, string>): string {
  return [
    'api = 2',
    'core = 10.x',
    'projects[drupal][type] = core',
    'projects[drupal][version] = 10.2.1',
    ...Object.entries(pins).map(([name, version]) => `projects[${name}][version] = ${version}`),
    '',
  ].join('\n');
}

/**
 * A distribution pinned to a release that is still queued waits for it without holding a
 * worker slot. With one slot and PROJECT_APPROVAL=admin, the pinned module's release is
 * packaged only after an administrator approves it: if the waiting build kept the only slot,
 * the module could never be packaged and the build would fail at its bound instead.
 */
describe('distribution builds wait for pinned releases still queued, without holding a worker slot', () => {
  let stack: Stack;
  let admin: Api;
  let alice: Api;
  let anonymous: Api;

  beforeAll(async () => {
    stack = await startStack({
      WORKER_CONCURRENCY: '1',
      PROJECT_APPROVAL: 'admin',
      DISTRIBUTION_WAIT_MS: String(WAIT_MS),
    });
    stack.startWorker();
    admin = client(stack.app, stack.adminToken);
    alice = await signUp(stack, 'alice');
    anonymous = client(stack.app);
    // Administrators' projects need no approval: core and the distribution are packaged at once.
    await publishProject(admin, 'drupal', 'core', [{ tag: '10.2.1', files: CORE_FILES }]);
  });
  afterAll(async () => {
    await stack.close();
    removeRepos();
  });

  it('gives the slot back while it waits, and builds once the pinned release is published', async () => {
    // alice's module waits for an administrator: its release stays queued.
    const token = await publishProject(alice, 'token', 'module', []);
    token.commit(TOKEN_FILES);
    token.tag('1.14.0');
    expect((await alice('POST', '/api/v1/projects/token/releases', { tag: '1.14.0' })).body).toMatchObject({
      status: 'queued',
      reason: 'awaiting-approval',
    });

    const atrium = await publishProject(admin, 'atrium', 'distribution', []);
    atrium.commit(profileFiles('drupal-org.make', makeFile({ token: '1.14.0' })));
    atrium.tag('1.0.0');
    expect((await admin('POST', '/api/v1/projects/atrium/releases', { tag: '1.0.0' })).status).toBe(202);
    const waiting = await eventually(
      async () => {
        const { body } = await anonymous('GET', '/api/v1/projects/atrium/releases/1.0.0');
        return body.distribution?.waitingFor?.length > 0 ? body.distribution : undefined;
      },
      60_000,
      'the distribution build to wait',
    );
    expect(waiting).toMatchObject({ status: 'queued', error: null, waitingFor: ['token 1.14.0'] });

    // The module can only be packaged in the one slot the waiting build gave back.
    expect((await admin('POST', '/api/v1/admin/projects/token/approve')).status).toBe(200);
    await releaseOf(anonymous, 'token', '1.14.0');
    const built = await distributionOf(anonymous, 'atrium', '1.0.0');
    expect(built.distribution).toEqual({ status: 'published', error: null, waitingFor: [], componentsInsecure: [] });
    const usedBy = (await anonymous('GET', '/api/v1/projects/token/used-by')).body.usedBy;
    expect(usedBy).toEqual([
      { distribution: 'atrium', version: '1.0.0', componentVersion: '1.14.0', componentInsecure: false },
    ]);
  });

  it('fails at the bound, naming what it waited for; a retry waits anew', async () => {
    const panels = await publishProject(alice, 'panels', 'module', []);
    panels.commit({ 'panels.info.yml': 'name: Panels\ntype: module\ncore_version_requirement: ^10\n' });
    panels.tag('4.0.0');
    expect((await alice('POST', '/api/v1/projects/panels/releases', { tag: '4.0.0' })).status).toBe(202);

    const hub = await publishProject(admin, 'hub', 'distribution', []);
    hub.commit({
      'hub.info.yml': 'name: Hub\ntype: profile\ncore_version_requirement: ^10\n',
      'hub.profile': '<?php\n',
      'drupal-org.make': makeFile({ panels: '4.0.0' }),
    });
    hub.tag('1.0.0');
    expect((await admin('POST', '/api/v1/projects/hub/releases', { tag: '1.0.0' })).status).toBe(202);
    const failed = await distributionOf(anonymous, 'hub', '1.0.0');
    expect(failed.distribution).toMatchObject({
      status: 'failed',
      error:
        `refused: Pinned releases were still not published after ${WAIT_MS / 1000} s: panels 4.0.0. ` +
        '(rule pinned_release_unpublished)',
      waitingFor: [],
    });

    const retried = await admin('POST', '/api/v1/projects/hub/releases/1.0.0/distribution/retry');
    expect(retried.status).toBe(202);
    expect((await admin('POST', '/api/v1/admin/projects/panels/approve')).status).toBe(200);
    expect((await distributionOf(anonymous, 'hub', '1.0.0')).distribution.status).toBe('published');
  });
});

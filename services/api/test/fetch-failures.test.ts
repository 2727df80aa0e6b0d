import net from 'node:net';
import { client, eventually, signUp, startStack, type Stack } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TAG = '8.x-1.0';

/** A loopback port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe(
  'git fetch failures: permanent ones fail at once, transient ones retry ' + 'visibly, git output only for maintainers',
  () => {
    let stack: Stack;
    let maintainer: ReturnType<typeof client>;
    let stranger: ReturnType<typeof client>;
    const anonymous = () => client(stack.app);

    beforeAll(async () => {
      stack = await startStack({ GIT_ALLOWED_SOURCES: 'https://,file://', GIT_ALLOW_LOOPBACK: 'on' });
      stack.startWorker();
      maintainer = await signUp(stack, 'alice');
      stranger = await signUp(stack, 'mallory');
    });
    afterAll(() => stack.close());

    it(
      'a repository that does not exist fails at once with one short public ' + 'line; git output goes to maintainers',
      async () => {
        expect(
          (
            await maintainer('POST', '/api/v1/projects', {
              name: 'gone',
              title: 'Gone',
              type: 'module',
              gitUrl: 'file:///srv/nowhere/gone.git',
            })
          ).status,
        ).toBe(201);
        expect((await maintainer('POST', '/api/v1/projects/gone/releases', { tag: TAG })).status).toBe(202);
        const release = await eventually(
          async () => {
            const { body } = await anonymous()('GET', `/api/v1/projects/gone/releases/${TAG}`);
            return body.status === 'failed' ? body : undefined;
          },
          30_000,
          'the release to fail',
        );
        expect(release.error).toBe('git_fetch_failed: repository not found');
        expect(release.attempts).toBe(1);
        expect(release.lastError).toBeNull();
        expect(JSON.stringify(release)).not.toContain('/srv/nowhere');

        const failure = await maintainer('GET', `/api/v1/projects/gone/releases/${TAG}/failure`);
        expect(failure.status).toBe(200);
        expect(failure.body.error).toBe('git_fetch_failed: repository not found');
        expect(failure.body.detail).toContain("'/srv/nowhere/gone.git' does not appear to be a git repository");
        expect((await anonymous()('GET', `/api/v1/projects/gone/releases/${TAG}/failure`)).status).toBe(401);
        expect((await stranger('GET', `/api/v1/projects/gone/releases/${TAG}/failure`)).status).toBe(403);
      },
    );

    it('a host that refuses connections is retried, and the release says so meanwhile', async () => {
      const gitUrl = `https://127.0.0.1:${await closedPort()}/flaky.git`;
      expect(
        (await maintainer('POST', '/api/v1/projects', { name: 'flaky', title: 'Flaky', type: 'module', gitUrl }))
          .status,
      ).toBe(201);
      expect((await maintainer('POST', '/api/v1/projects/flaky/releases', { tag: TAG })).status).toBe(202);
      const retrying = await eventually(
        async () => {
          const { body } = await anonymous()('GET', `/api/v1/projects/flaky/releases/${TAG}`);
          return body.lastError !== null && body.status === 'building' ? body : undefined;
        },
        30_000,
        'the release to wait for a retry',
      );
      expect(retrying.lastError).toBe('git_fetch_failed: could not connect');
      expect(retrying.error).toBeNull();
      expect(retrying.attempts).toBeGreaterThanOrEqual(1);
      expect(Date.parse(retrying.nextAttemptAt)).toBeGreaterThan(Date.parse(retrying.createdAt));
      expect(JSON.stringify(retrying)).not.toContain('Failed to connect');

      const failure = await maintainer('GET', `/api/v1/projects/flaky/releases/${TAG}/failure`);
      expect(failure.body.lastError).toBe('git_fetch_failed: could not connect');
      expect(failure.body.detail).toMatch(/Failed to connect to 127\.0\.0\.1 port \d+/);

      // Retried: a later attempt is made (the first retry waits 2 s).
      await eventually(
        async () => {
          const { body } = await anonymous()('GET', `/api/v1/projects/flaky/releases/${TAG}`);
          return body.attempts >= 2 ? body : undefined;
        },
        30_000,
        'a second attempt',
      );
    });
  },
);

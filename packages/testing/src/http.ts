import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestApp } from './stack.ts';

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Parsed when the answer is JSON. */
  body: any;
  raw: Buffer;
}

/**
 * A thin HTTP client for a listening app, over a real socket (the feed fast path sits in
 * front of the router, where app.inject() would not go): JSON in, JSON (or raw bytes) out,
 * with a bearer token.
 */
export function client(app: TestApp, token?: string, { keepAlive = true } = {}) {
  return function request(
    method: Method,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const address = app.server.address() as AddressInfo | null;
    if (!address) throw new Error('the app is not listening: call app.listen({ port: 0, host: "127.0.0.1" }) first');
    const payload =
      body === undefined
        ? undefined
        : typeof body === 'string' || Buffer.isBuffer(body)
          ? Buffer.from(body)
          : Buffer.from(JSON.stringify(body));
    const sent: Record<string, string> = {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(payload && typeof body === 'object' && !Buffer.isBuffer(body) ? { 'content-type': 'application/json' } : {}),
      ...headers,
    };
    return new Promise((resolve, reject) => {
      const agent = keepAlive ? undefined : false;
      const target = { host: '127.0.0.1', port: address.port, method, path: url, headers: sent, agent };
      const outgoing = http.request(target, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('error', reject);
        response.once('end', () => {
          const raw = Buffer.concat(chunks);
          const isJson = response.headers['content-type']?.startsWith('application/json') && raw.length > 0;
          resolve({
            status: response.statusCode!,
            headers: response.headers,
            body: isJson ? JSON.parse(raw.toString('utf8')) : undefined,
            raw,
          });
        });
      });
      outgoing.once('error', reject);
      outgoing.end(payload);
    });
  };
}

/** Polls until `check` returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The release's JSON once it is published; fails at once, with its error, if it failed. */
export function releasePublished(api: ReturnType<typeof client>, project: string, version: string, timeoutMs = 60_000) {
  return eventually(
    async () => {
      const release = await api('GET', `/api/v1/projects/${project}/releases/${version}`);
      if (release.body?.status === 'failed') throw new Error(`${project} ${version} failed: ${release.body.error}`);
      return release.body?.status === 'published' ? release.body : undefined;
    },
    timeoutMs,
    `${project} ${version} published`,
  );
}

/** A new user made by the stack's administrator, and a client that calls as them. */
export async function signUp(stack: { app: TestApp; adminToken: string }, name: string) {
  const created = await client(stack.app, stack.adminToken)('POST', '/api/v1/users', { name });
  if (created.status !== 201) throw new Error(`could not create user ${name}: ${created.status}`);
  return client(stack.app, created.body.token as string);
}

import type { TestApp } from './stack.ts';

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A thin client over app.inject(): JSON in, JSON (or raw bytes) out, with a bearer token. */
export function client(app: TestApp, token?: string) {
  return async function request(method: Method, url: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await app.inject({
      method,
      url,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    const isJson = response.headers['content-type']?.toString().startsWith('application/json');
    return { status: response.statusCode, headers: response.headers, body: isJson ? response.json() : undefined, raw: response.rawPayload };
  };
}

/** Polls until `check` returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A new user made by the stack's administrator, and a client that calls as them. */
export async function signUp(stack: { app: TestApp; adminToken: string }, name: string) {
  const created = await client(stack.app, stack.adminToken)('POST', '/api/v1/users', { name });
  if (created.status !== 201) throw new Error(`could not create user ${name}: ${created.status}`);
  return client(stack.app, created.body.token as string);
}

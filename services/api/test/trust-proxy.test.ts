import { buildApp } from '@packhouse/api';
import { startStack, type Stack } from '@packhouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The address the app believes a request came from, as rate limits and logs see it. */
async function seenAddress(stack: Stack, forwardedFor: string): Promise<string> {
  const app = await buildApp(stack.registry);
  app.get('/test/address', async (request) => ({ ip: request.ip, protocol: request.protocol }));
  try {
    const response = await app.inject({
      method: 'GET',
      url: '/test/address',
      remoteAddress: '203.0.113.7',
      headers: { 'x-forwarded-for': forwardedFor, 'x-forwarded-proto': 'https' },
    });
    return response.json().ip;
  } finally {
    await app.close();
  }
}

describe('TRUST_PROXY', () => {
  let direct: Stack;
  let proxied: Stack;
  beforeAll(async () => {
    [direct, proxied] = await Promise.all([startStack(), startStack({ TRUST_PROXY: 'on' })]);
  });
  afterAll(() => Promise.all([direct.close(), proxied.close()]));

  it('off by default: a client cannot name its own address with X-Forwarded-For', async () => {
    expect(await seenAddress(direct, '10.0.0.1')).toBe('203.0.113.7');
  });

  it('on behind a proxy: the address the proxy forwards is believed', async () => {
    expect(await seenAddress(proxied, '198.51.100.4')).toBe('198.51.100.4');
  });
});

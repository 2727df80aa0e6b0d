import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisConnection } from '../src/connection.ts';

// A Redis of this test's own, started as docker-compose.yml starts it: with --requirepass.
const PASSWORD = 'compose-redis-password-0123';
let server: ChildProcess;
let port: number;

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port: found } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return found;
}

beforeAll(async () => {
  port = await freePort();
  server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', PASSWORD, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('redis-server did not start');
});
afterAll(() => {
  server.kill();
});

describe('Redis with a password', () => {
  it('is reached with the password in REDIS_URL', async () => {
    const redis = redisConnection(`redis://:${PASSWORD}@127.0.0.1:${port}`, 'worker');
    try {
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });

  it('refuses a client without it', async () => {
    const redis = redisConnection(`redis://127.0.0.1:${port}`, 'worker');
    redis.on('error', () => {});
    try {
      await expect(redis.ping()).rejects.toThrow(/NOAUTH/);
    } finally {
      redis.disconnect();
    }
  });
});

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { freePort, waitForPort } from './ports.ts';

export interface PrivateRedis {
  url: string;
  /** FLUSHALL: every key of this server is gone, as when Redis loses its data. */
  flushAll(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A redis-server of this test's own on a free port, without persistence: a fault test may
 * FLUSHALL it while other tests keep using the machine's Redis.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const server = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction',
    ],
    {
      stdio: 'ignore',
    },
  );
  const url = `redis://127.0.0.1:${port}`;
  await waitForPort(port);
  const client = new Redis(url, { maxRetriesPerRequest: null });
  return {
    url,
    async flushAll() {
      await client.flushall();
    },
    async stop() {
      client.disconnect();
      if (server.exitCode === null) {
        server.kill('SIGKILL');
        await once(server, 'exit');
      }
    },
  };
}

import { existsSync } from 'node:fs';
import net from 'node:net';

/**
 * Where the tests find Postgres and Redis: the URLs given in the environment, else the
 * local servers; testcontainers is only the fallback when neither answers and Docker runs.
 */
export async function postgresUrl(): Promise<string> {
  return (
    process.env.TEST_DATABASE_URL ??
    (await localOr('127.0.0.1', 5432, 'postgres://postgres@127.0.0.1:5432/postgres', async () => {
      const { GenericContainer } = await import('testcontainers');
      const container = await new GenericContainer('postgres:16')
        .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
        .withExposedPorts(5432)
        .start();
      return `postgres://postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`;
    }))
  );
}

export async function redisUrl(): Promise<string> {
  return (
    process.env.TEST_REDIS_URL ??
    (await localOr('127.0.0.1', 6379, 'redis://127.0.0.1:6379', async () => {
      const { GenericContainer } = await import('testcontainers');
      const container = await new GenericContainer('redis:7').withExposedPorts(6379).start();
      return `redis://${container.getHost()}:${container.getMappedPort(6379)}`;
    }))
  );
}

async function localOr(host: string, port: number, url: string, container: () => Promise<string>): Promise<string> {
  if (await answers(host, port)) return url;
  if (!existsSync('/var/run/docker.sock')) {
    throw new Error(`Nothing answers on ${host}:${port} and no Docker engine runs: start the server (see .ci/run).`);
  }
  return container();
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1_000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, root), 'utf8');

describe('docker-compose.yml holds no credentials and no open door', () => {
  const text = read('docker-compose.yml');
  const compose = parse(text) as {
    services: Record<string, { environment?: Record<string, string>; command?: string[] }>;
  };

  it('runs Postgres with password authentication, never trust', () => {
    const postgres = compose.services.postgres!.environment!;
    expect(postgres.POSTGRES_HOST_AUTH_METHOD).toBeUndefined();
    expect(postgres.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    expect(postgres.POSTGRES_INITDB_ARGS).toContain('--auth-host=scram-sha-256');
    expect(compose.services.migrate!.environment!.DATABASE_URL).toBe(
      'postgres://packhouse:${POSTGRES_PASSWORD}@postgres:5432/packhouse',
    );
  });

  it('runs Redis with a password, which the services use', () => {
    expect(compose.services.redis!.command!.join(' ')).toContain('--requirepass ${REDIS_PASSWORD:?');
    expect(compose.services.migrate!.environment!.REDIS_URL).toBe('redis://:${REDIS_PASSWORD}@redis:6379');
  });

  it('takes every credential from .env, each one listed in .env.example, and .env is never committed', () => {
    const example = read('.env.example');
    const variables = new Set([...text.matchAll(/\$\{([A-Z0-9_]+)/g)].map((match) => match[1]!));
    for (const name of [
      'POSTGRES_PASSWORD',
      'REDIS_PASSWORD',
      'S3_SECRET_ACCESS_KEY',
      'ADMIN_TOKEN',
      'SITE_KEY_SECRET',
    ])
      expect(variables).toContain(name);
    for (const name of variables) expect(example, name).toMatch(new RegExp(`^${name}=`, 'm'));
    // No literal secret is left in the file.
    expect(text).not.toMatch(/PASSWORD: [^$\s]/);
    expect(read('.gitignore').split('\n')).toContain('.env');
  });
});

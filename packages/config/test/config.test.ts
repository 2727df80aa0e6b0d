import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/index.ts';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/packhouse');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.s3.endpoint).toBeUndefined();
    expect(config.s3.bucket).toBe('packhouse');
    expect(config.git.allowedSources).toEqual(['https://']);
    expect(config.limits.maxFiles).toBe(50_000);
  });

  it('derives PUBLIC_URL from PORT and trims a trailing slash', () => {
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://packages.example.org/' }).publicUrl).toBe('https://packages.example.org');
  });

  it('is frozen', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.s3)).toBe(true);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
    [{ S3_ENDPOINT: 'ftp://x' }, 'S3_ENDPOINT'],
    [{ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN'],
    [{ GIT_ALLOWED_SOURCES: 'ext::sh' }, 'GIT_ALLOWED_SOURCES'],
    [{ WORKER_CONCURRENCY: '0' }, 'WORKER_CONCURRENCY'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ WORKER_METRICS_PORT: '-1' }, 'WORKER_METRICS_PORT'],
    [{ WORKER_LOCK_MS: '10' }, 'WORKER_LOCK_MS'],
    [{ ORPHAN_SWEEP_AFTER_MS: 'an hour' }, 'ORPHAN_SWEEP_AFTER_MS'],
    [{ SIGNING_KEY: 'not-a-key' }, 'SIGNING_KEY'],
    [{ CHANGE_RETENTION_DAYS: '0' }, 'CHANGE_RETENTION_DAYS'],
  ])('refuses %j naming the variable', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^${variable}: `));
  });

  it('reads the accounts settings: approval off and generous rate limits by default', () => {
    expect(loadConfig({}).accounts).toEqual({
      projectApproval: 'off',
      rateLimits: { authFailuresPerMinute: 20, projectsPerHour: 20, releasesPerMinute: 60, webhooksPerMinute: 300 },
    });
    const strict = loadConfig({ PROJECT_APPROVAL: 'admin', RATE_LIMIT_PROJECTS: '3' }).accounts;
    expect(strict.projectApproval).toBe('admin');
    expect(strict.rateLimits.projectsPerHour).toBe(3);
    expect(() => loadConfig({ PROJECT_APPROVAL: 'yes' })).toThrow(
      /^PROJECT_APPROVAL: must be off or admin, got "yes"$/,
    );
    expect(() => loadConfig({ RATE_LIMIT_AUTH_FAILURES: '0' })).toThrow(/^RATE_LIMIT_AUTH_FAILURES: /);
  });

  it('reads the worker operations settings, an hour before an orphan object is swept', () => {
    const defaults = { metricsPort: 9464, lockMs: 30_000, reconcileEveryMs: 15_000, orphanAfterMs: 3_600_000 };
    expect(loadConfig({}).worker).toMatchObject(defaults);
    const forTests = loadConfig({ WORKER_METRICS_PORT: '0', ORPHAN_SWEEP_AFTER_MS: '0' }).worker;
    expect(forTests).toMatchObject({ metricsPort: 0, orphanAfterMs: 0 });
  });

  it('reads lists of allowed git sources', () => {
    expect(loadConfig({ GIT_ALLOWED_SOURCES: 'https://git.example.org/, file://' }).git.allowedSources).toEqual([
      'https://git.example.org/',
      'file://',
    ]);
  });

  it('keeps the feed front door on and X-Forwarded-* unbelieved unless told otherwise', () => {
    expect(loadConfig({}).http).toEqual({ feedFrontDoor: true, trustProxy: false });
    expect(loadConfig({ FEED_FRONT_DOOR: 'off', TRUST_PROXY: 'on' }).http).toEqual({
      feedFrontDoor: false,
      trustProxy: true,
    });
    expect(() => loadConfig({ FEED_FRONT_DOOR: 'maybe' })).toThrow(/^FEED_FRONT_DOOR: must be on or off/);
  });

  it('requires SITE_KEY_SECRET once S3_ENDPOINT is set: no public fallback outside the embedded default', () => {
    expect(() => loadConfig({ S3_ENDPOINT: 'https://s3.example.org' })).toThrow(
      /^SITE_KEY_SECRET: is required when S3_ENDPOINT is set/,
    );
    expect(
      loadConfig({ S3_ENDPOINT: 'https://s3.example.org', SITE_KEY_SECRET: 'a-secret-of-our-own' }).updateStatus
        .siteKeySecret,
    ).toBe('a-secret-of-our-own');
    expect(loadConfig({}).updateStatus.siteKeySecret).toBe('packhouse-development-site-key-secret');
  });

  it('reads the signing key and the change feed retention for mirrors', () => {
    expect(loadConfig({}).mirrors).toEqual({
      signingKey: undefined,
      signingKeyFile: './data/signing-key',
      changeRetentionDays: 90,
    });
    const seed = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ SIGNING_KEY: seed, CHANGE_RETENTION_DAYS: '30' }).mirrors).toMatchObject({
      signingKey: seed,
      changeRetentionDays: 30,
    });
  });
});

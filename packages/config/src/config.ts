import { ConfigError, type Env, int, list, onOff, optional, str, token, url } from './env.ts';

export interface Config {
  port: number;
  publicUrl: string;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  s3: {
    /** Unset: an S3-compatible server is started in-process (development, tests). */
    endpoint: string | undefined;
    bucket: string;
    region: string;
    accessKeyId: string;
    secretAccessKey: string;
    dataDir: string;
  };
  adminToken: string | undefined;
  git: { allowedSources: string[]; cacheDir: string; timeoutMs: number; allowLoopback: boolean; cacheBytes: number };
  limits: { maxFileBytes: number; maxTotalBytes: number; maxFiles: number };
  worker: { concurrency: number; reconcileAfterMs: number } & WorkerOperations;
  /** Update status feeds and usage statistics. */
  updateStatus: { feedCacheBytes: number; usageFlushMs: number; siteKeySecret: string };
  /** Distribution builds (make files): downloads of libraries and patches, waiting on components. */
  distributions: {
    cacheDir: string;
    downloadMaxBytes: number;
    downloadTimeoutMs: number;
    /** Origins allowed over plain http and on loopback: tests' library servers only. */
    insecureOrigins: string[];
    /** How long a build waits for a pinned release that is still queued or building. */
    waitForReleasesMs: number;
  };
  /** Pages for people: browser sessions and sign-in links. */
  web: { sessionTtlMs: number; signInLinkTtlMs: number };
  /** Signed release metadata and the change feed (issue 10). */
  mirrors: {
    /** SIGNING_KEY: an Ed25519 private key; unset, one is read from (or created in) signingKeyFile. */
    signingKey: string | undefined;
    signingKeyFile: string;
    changeRetentionDays: number;
  };
  logLevel: string;
  /** Transport hardening: the feed front door, and whether X-Forwarded-* headers are believed. */
  http: { feedFrontDoor: boolean; trustProxy: boolean };
  /** What one user, project or branch may ask of the workers. */
  quotas: { projectsPerUser: number; releasesPerProjectHour: number; devBuildsPerBranchDay: number };
  /** Who may claim names and how hard callers may push (see README "Configuration"). */
  accounts: AccountsConfig;
}

export interface AccountsConfig {
  /** `admin`: a new project's releases wait until an administrator approves the project. */
  projectApproval: 'off' | 'admin';
  /** Per window, counted in Redis so they hold across API processes. */
  rateLimits: {
    authFailuresPerMinute: number;
    projectsPerHour: number;
    releasesPerMinute: number;
    webhooksPerMinute: number;
  };
}

/** How a worker process is watched and how fast it takes over what others left behind. */
export interface WorkerOperations {
  /** Port of the worker's /metrics listener; 0 picks a free one (several workers on one host, tests). */
  metricsPort: number;
  /** How long a job's lock lives without renewal before another worker takes the job over. */
  lockMs: number;
  reconcileEveryMs: number;
  /** S3 objects under archives/ that no release file names are deleted once this old. */
  orphanAfterMs: number;
}

function workerOperations(env: Env): WorkerOperations {
  return {
    metricsPort: int(env, 'WORKER_METRICS_PORT', 9464, { min: 0, max: 65535 }),
    lockMs: int(env, 'WORKER_LOCK_MS', 30_000, { min: 1000 }),
    reconcileEveryMs: int(env, 'RECONCILE_EVERY_MS', 15_000, { min: 500 }),
    orphanAfterMs: int(env, 'ORPHAN_SWEEP_AFTER_MS', 3_600_000),
  };
}

const MB = 1024 * 1024;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Parses the environment once, at boot, into a frozen typed object. */
export function loadConfig(env: Env = process.env): Readonly<Config> {
  const port = int(env, 'PORT', 3000, { min: 0, max: 65535 });
  const publicUrl = url(env, 'PUBLIC_URL', `http://localhost:${port}`, ['http:', 'https:']).replace(/\/+$/, '');
  const endpoint = optional(env, 'S3_ENDPOINT');
  if (endpoint !== undefined) url(env, 'S3_ENDPOINT', endpoint, ['http:', 'https:']);
  const allowedSources = list(env, 'GIT_ALLOWED_SOURCES', ['https://']);
  for (const prefix of allowedSources) {
    if (!/^(https|file):\/\//.test(prefix)) {
      throw new ConfigError('GIT_ALLOWED_SOURCES', `"${prefix}" must start with https:// or file://`);
    }
  }
  const logLevel = str(env, 'LOG_LEVEL', 'info');
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const insecureOrigins = list(env, 'DOWNLOAD_INSECURE_ORIGINS', []);
  for (const origin of insecureOrigins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {}
    if (!parsed || parsed.origin !== origin) {
      throw new ConfigError('DOWNLOAD_INSECURE_ORIGINS', `"${origin}" must be an origin such as http://127.0.0.1:8080`);
    }
  }
  return deepFreeze({
    port,
    publicUrl,
    databaseUrl: url(env, 'DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/packhouse', ['postgres:', 'postgresql:']),
    redisUrl: url(env, 'REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    queuePrefix: str(env, 'QUEUE_PREFIX', 'packhouse'),
    s3: {
      endpoint,
      bucket: str(env, 'S3_BUCKET', 'packhouse'),
      region: str(env, 'S3_REGION', 'us-east-1'),
      // s3rver's fixed credentials are the defaults, so the embedded store works untouched.
      accessKeyId: str(env, 'S3_ACCESS_KEY_ID', 'S3RVER'),
      secretAccessKey: str(env, 'S3_SECRET_ACCESS_KEY', 'S3RVER'),
      dataDir: str(env, 'S3_DATA_DIR', './data/s3'),
    },
    adminToken: token(env, 'ADMIN_TOKEN'),
    git: {
      allowedSources,
      cacheDir: str(env, 'GIT_CACHE_DIR', './data/git'),
      timeoutMs: int(env, 'GIT_TIMEOUT_MS', 120_000, { min: 1000 }),
      // Tests and local development only: git hosts on loopback (every other inside address stays refused).
      allowLoopback: onOff(env, 'GIT_ALLOW_LOOPBACK', false),
      cacheBytes: int(env, 'GIT_CACHE_MB', 10_240, { min: 1 }) * MB,
    },
    limits: {
      maxFileBytes: int(env, 'MAX_FILE_BYTES', 100 * MB, { min: 1 }),
      maxTotalBytes: int(env, 'MAX_TOTAL_BYTES', 500 * MB, { min: 1 }),
      maxFiles: int(env, 'MAX_FILES', 50_000, { min: 1 }),
    },
    worker: {
      concurrency: int(env, 'WORKER_CONCURRENCY', 2, { min: 1, max: 64 }),
      reconcileAfterMs: int(env, 'RECONCILE_AFTER_MS', 60_000, { min: 1000 }),
      ...workerOperations(env),
    },
    updateStatus: {
      feedCacheBytes: int(env, 'FEED_CACHE_MB', 256, { min: 0, max: 65_536 }) * MB,
      usageFlushMs: int(env, 'USAGE_FLUSH_MS', 2_000, { min: 100, max: 60_000 }),
      // Site keys are stored only as HMACs under this secret. The development value serves only
      // the embedded default (no S3_ENDPOINT): a deployment must set its own, or anyone
      // could recompute which site key made which hash.
      siteKeySecret: siteKeySecret(env, endpoint),
    },
    distributions: {
      cacheDir: str(env, 'DISTRIBUTION_CACHE_DIR', './data/downloads'),
      downloadMaxBytes: int(env, 'DOWNLOAD_MAX_BYTES', 100 * MB, { min: 1 }),
      downloadTimeoutMs: int(env, 'DOWNLOAD_TIMEOUT_MS', 120_000, { min: 1000 }),
      insecureOrigins,
      waitForReleasesMs: int(env, 'DISTRIBUTION_WAIT_MS', 600_000, { min: 0 }),
    },
    web: {
      sessionTtlMs: int(env, 'SESSION_HOURS', 14 * 24, { min: 1, max: 24 * 366 }) * 3_600_000,
      signInLinkTtlMs: int(env, 'SIGN_IN_LINK_MINUTES', 15, { min: 1, max: 24 * 60 }) * 60_000,
    },
    mirrors: {
      signingKey: signingKey(env),
      signingKeyFile: str(env, 'SIGNING_KEY_FILE', './data/signing-key'),
      changeRetentionDays: int(env, 'CHANGE_RETENTION_DAYS', 90, { min: 1, max: 36_500 }),
    },
    logLevel,
    http: {
      feedFrontDoor: onOff(env, 'FEED_FRONT_DOOR', true),
      // Only behind a proxy that sets X-Forwarded-For itself: otherwise any client names its own address.
      trustProxy: onOff(env, 'TRUST_PROXY', false),
    },
    quotas: {
      projectsPerUser: int(env, 'MAX_PROJECTS_PER_USER', 100, { min: 1 }),
      releasesPerProjectHour: int(env, 'MAX_RELEASES_PER_PROJECT_HOUR', 30, { min: 1 }),
      devBuildsPerBranchDay: int(env, 'MAX_DEV_BUILDS_PER_BRANCH_DAY', 100, { min: 1 }),
    },
    accounts: loadAccounts(env),
  });
}

function siteKeySecret(env: Env, s3Endpoint: string | undefined): string {
  const secret = token(env, 'SITE_KEY_SECRET');
  if (secret !== undefined) return secret;
  if (s3Endpoint !== undefined)
    throw new ConfigError(
      'SITE_KEY_SECRET',
      'is required when S3_ENDPOINT is set (a deployment); generate one with `openssl rand -hex 32`',
    );
  return 'packhouse-development-site-key-secret';
}

function loadAccounts(env: Env): AccountsConfig {
  const projectApproval = str(env, 'PROJECT_APPROVAL', 'off');
  if (projectApproval !== 'off' && projectApproval !== 'admin') {
    throw new ConfigError('PROJECT_APPROVAL', `must be off or admin, got "${projectApproval}"`);
  }
  return {
    projectApproval,
    rateLimits: {
      authFailuresPerMinute: int(env, 'RATE_LIMIT_AUTH_FAILURES', 20, { min: 1 }),
      projectsPerHour: int(env, 'RATE_LIMIT_PROJECTS', 20, { min: 1 }),
      releasesPerMinute: int(env, 'RATE_LIMIT_RELEASES', 60, { min: 1 }),
      webhooksPerMinute: int(env, 'RATE_LIMIT_WEBHOOKS', 300, { min: 1 }),
    },
  };
}

/** A PKCS#8 PEM or the base64 of a 32-byte seed; the key itself is read by @packhouse/signing. */
function signingKey(env: Env): string | undefined {
  const value = optional(env, 'SIGNING_KEY');
  if (value === undefined || value.startsWith('-----BEGIN PRIVATE KEY-----')) return value;
  if (!/^[A-Za-z0-9+/]{43}=$/.test(value)) {
    throw new ConfigError('SIGNING_KEY', 'must be a PEM private key or the base64 of a 32-byte Ed25519 seed');
  }
  return value;
}

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const child of Object.values(value)) {
    if (child !== null && typeof child === 'object') deepFreeze(child);
  }
  return Object.freeze(value);
}

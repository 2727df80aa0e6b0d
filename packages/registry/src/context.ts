import type { Config } from '@packhouse/config';
import type { Db, TokenScope } from '@packhouse/db';
import type { Metrics } from '@packhouse/observability';
import type { PackagingQueue } from '@packhouse/queue';
import type { Storage } from '@packhouse/storage';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Signing } from './signing.ts';

/** What the domain services need; built once per process by the service that hosts them. */
export interface Registry {
  db: Db;
  queue: PackagingQueue;
  storage: Storage;
  config: Readonly<Config>;
  log: Logger;
  metrics: Metrics;
  /** Signs release statements and the change feed (signing.ts). */
  signing: Signing;
  /** The process's Redis connection (the API's fails fast): rate limits count in it. */
  redis: Redis;
}

/** Who is calling: resolved from the bearer token by the transport. */
export interface Actor {
  id: string;
  name: string;
  /** An administrator calling with an `admin`-scoped token. */
  isAdmin: boolean;
  /** What the presented token allows (permissions.ts decides with them). */
  scopes: readonly TokenScope[];
  /** The presented token, so that it can revoke itself. */
  tokenId: string;
}

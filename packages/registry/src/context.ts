import type { Config } from '@packhouse/config';
import type { Db } from '@packhouse/db';
import type { Metrics } from '@packhouse/observability';
import type { PackagingQueue } from '@packhouse/queue';
import type { Storage } from '@packhouse/storage';
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
}

/** Who is calling: resolved from the bearer token by the transport. */
export interface Actor {
  id: string;
  name: string;
  isAdmin: boolean;
}

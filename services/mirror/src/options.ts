import { parseArgs } from 'node:util';

export interface MirrorOptions {
  /** The origin's base URL, e.g. https://packages.example.org. */
  origin: string;
  /** The mirror folder: servable as static files with the origin's paths. */
  dir: string;
  /** One pass (every page up to the head, parked objects retried once), then exit. */
  once: boolean;
  /** Downloads in flight at once. */
  concurrency: number;
  /** Seconds between passes, with up to 20% jitter. */
  intervalSeconds: number;
  /** Events per page of the change feed. */
  pageSize: number;
  /** Attempts per object in a pass before it is parked; base of the backoff in ms. */
  attempts: number;
  backoffMs: number;
}

export class UsageError extends Error {}

const USAGE =
  'Usage: packhouse-mirror --origin URL --dir PATH [--once] [--concurrency 8] [--interval 60] ' +
  '[--page-size 1000] [--attempts 4] [--backoff-ms 500]';

export function parseOptions(argv: string[]): MirrorOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        origin: { type: 'string' },
        dir: { type: 'string' },
        once: { type: 'boolean', default: false },
        concurrency: { type: 'string', default: '8' },
        interval: { type: 'string', default: '60' },
        'page-size': { type: 'string', default: '1000' },
        attempts: { type: 'string', default: '4' },
        'backoff-ms': { type: 'string', default: '500' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  if (!values.origin) throw new UsageError(`--origin is required.\n${USAGE}`);
  if (!values.dir) throw new UsageError(`--dir is required.\n${USAGE}`);
  let origin: URL;
  try {
    origin = new URL(values.origin);
  } catch {
    throw new UsageError(`--origin must be a URL, got "${values.origin}".`);
  }
  if (origin.protocol !== 'http:' && origin.protocol !== 'https:')
    throw new UsageError(`--origin must use http or https, got "${origin.protocol}".`);
  return {
    origin: origin.href.replace(/\/+$/, ''),
    dir: values.dir,
    once: values.once ?? false,
    concurrency: whole('--concurrency', values.concurrency!, 1, 256),
    intervalSeconds: whole('--interval', values.interval!, 1, 86_400),
    pageSize: whole('--page-size', values['page-size']!, 1, 10_000),
    attempts: whole('--attempts', values.attempts!, 1, 100),
    backoffMs: whole('--backoff-ms', values['backoff-ms']!, 0, 600_000),
  };
}

function whole(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got "${value}".`);
  return n;
}

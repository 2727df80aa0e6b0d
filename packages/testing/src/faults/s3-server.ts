import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startChild, type Child } from './children.ts';
import { freePort } from './ports.ts';

export type S3Event = 'part' | 'completed';

export interface S3Server {
  endpoint: string;
  /** Multipart parts received, and multipart uploads completed, since the server first started. */
  readonly counts: Readonly<Record<S3Event, number>>;
  waitFor(event: S3Event, count: number, timeoutMs?: number): Promise<void>;
  /** Kills the server (SIGKILL): every connection drops, as when a store goes away. */
  kill(): Promise<void>;
  /** Starts it again on the same port over the same data. */
  start(): Promise<void>;
  /** Kills it and deletes its data. */
  destroy(): Promise<void>;
}

const ENTRY = path.join(import.meta.dirname, 's3-child.ts');

/** An S3 server in a child process, on a fixed port so it can be killed and started again. */
export async function startS3Server(): Promise<S3Server> {
  const dir = await mkdtemp(path.join(tmpdir(), 'packhouse-fault-s3-'));
  const port = await freePort();
  const counts: Record<S3Event, number> = { part: 0, completed: 0 };
  const waiters = new Set<() => void>();
  let child: Child | undefined;

  async function start(): Promise<void> {
    let ready!: () => void;
    const started = new Promise<void>((resolve) => (ready = resolve));
    child = startChild(ENTRY, { S3_PORT: String(port), S3_DIR: dir }, (message) => {
      const { part, completed, ready: up } = message as { part?: string; completed?: string; ready?: number };
      if (up) ready();
      if (part) counts.part++;
      if (completed) counts.completed++;
      for (const waiter of waiters) waiter();
    });
    const exited = once(child.process, 'exit').then(() => {
      throw new Error(`the S3 server did not start:\n${child!.lines.join('\n')}`);
    });
    exited.catch(() => {});
    await Promise.race([started, exited]);
  }

  await start();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    waitFor(event, count, timeoutMs = 60_000) {
      if (counts[event] >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => (
            waiters.delete(check),
            reject(new Error(`timed out waiting for ${count} S3 events "${event}" (${counts[event]} so far)`))
          ),
          timeoutMs,
        );
        const check = () => {
          if (counts[event] < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
    kill: () => child!.stop(),
    start,
    async destroy() {
      await child!.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface Child {
  process: ChildProcess;
  /** Every line the child printed so far (stdout and stderr), for assertions and for failure reports. */
  lines: string[];
  /** Resolves with the first printed line `match` accepts; rejects if the child exits first. */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  signal(signal: NodeJS.Signals): void;
  /** SIGKILL, then wait for the exit: nothing of the child outlives a test. */
  stop(): Promise<void>;
}

/**
 * Runs a TypeScript entry point as a child process under the same Node (tsx loads the
 * sources, as the tests run them), with an IPC channel and its output kept in memory.
 */
export function startChild(entry: string, env: Record<string, string>, onMessage?: (message: unknown) => void): Child {
  const child = fork(entry, [], {
    execArgv: ['--import', 'tsx'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const lines: string[] = [];
  const watchers = new Set<(line: string) => void>();
  let exited = false;
  const exit = once(child, 'exit').then(() => (exited = true));
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        for (const watcher of watchers) watcher(line);
      }
    });
  }
  if (onMessage) child.on('message', onMessage);

  return {
    process: child,
    lines,
    waitForLine(match, timeoutMs = 30_000) {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            done(new Error(`timed out waiting for a line from ${entry}; it printed:\n${lines.slice(-20).join('\n')}`)),
          timeoutMs,
        );
        const watcher = (line: string) => match(line) && done(undefined, line);
        const done = (error?: Error, line?: string) => {
          clearTimeout(timer);
          watchers.delete(watcher);
          if (error) reject(error);
          else resolve(line!);
        };
        watchers.add(watcher);
        void exit.then(() =>
          done(
            new Error(
              `${entry} exited (${child.exitCode ?? child.signalCode}); it printed:\n${lines.slice(-20).join('\n')}`,
            ),
          ),
        );
      });
    },
    signal(signal) {
      if (!exited) child.kill(signal);
    },
    async stop() {
      if (exited) return;
      child.kill('SIGKILL');
      await exit;
    },
  };
}

/** A pino JSON line's fields; undefined for anything else. */
export function logFields(line: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(line) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

import { fork } from 'node:child_process';
import type { EmbeddedS3 } from './embedded.ts';

/**
 * The embedded S3 server in a child process of its own (`entry` is the bundled
 * embedded-main): its HTTP parsing, MD5s and disk writes then run on the second core
 * instead of on the event loop of the worker that is packaging. The child exits when this
 * process goes away (its IPC channel closes).
 */
export function startEmbeddedS3Process(entry: string, dataDir: string): Promise<EmbeddedS3> {
  const child = fork(entry, [dataDir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`the embedded S3 process exited (code ${code}) before it was listening`)),
    );
    child.once('message', (message: { endpoint?: string }) => {
      if (!message.endpoint) return reject(new Error('the embedded S3 process sent no endpoint'));
      resolve({
        endpoint: message.endpoint,
        async close() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}

import { fork } from 'node:child_process';
import type { EmbeddedS3 } from './embedded.ts';

/**
 * V8 flags of the child, which keeps almost nothing alive (s3rver streams each request body
 * to disk) but allocates fast: every 64 KB chunk of an upload is a buffer whose memory comes
 * back only when a scavenge finds its wrapper dead. With the default young generation
 * (growing to 2 × 8 MB) the chunks piled up between scavenges and the child grew from 85 MB
 * to 130 MB while receiving a core-sized release; with 1 MB semi-spaces they go at once. Its
 * JavaScript is glue around native code (HTTP parsing, MD5, file writes), so it runs
 * without the JIT compilers: 17 MB less at rest, and no more CPU. Together: 69 MB at rest,
 * under 80 MB while receiving.
 */
const CHILD_FLAGS = ['--max-semi-space-size=1', '--jitless'];

/**
 * The embedded S3 server in a child process of its own (`entry` is the bundled
 * embedded-main): its HTTP parsing, MD5s and disk writes then run on the second core
 * instead of on the event loop of the worker that is packaging. The child exits when this
 * process goes away (its IPC channel closes).
 */
export function startEmbeddedS3Process(entry: string, dataDir: string): Promise<EmbeddedS3> {
  const child = fork(entry, [dataDir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: CHILD_FLAGS });
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
        pid: child.pid,
        async close() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}

import { createHash, type Hash } from 'node:crypto';
import { Transform } from 'node:stream';

export interface Digests {
  size: number;
  md5: string;
  sha1: string;
  sha256: string;
  sha512: string;
}

const ALGORITHMS = ['md5', 'sha1', 'sha256', 'sha512'] as const;

/**
 * A pass-through that hashes exactly the bytes flowing through it, in one pass, so the
 * checksums are of the bytes stored. `digests` settles when the stream ends or fails.
 */
export function digestingStream(): { stream: Transform; digests: Promise<Digests> } {
  const hashes: Hash[] = ALGORITHMS.map((algorithm) => createHash(algorithm));
  let size = 0;
  let settle!: { resolve: (d: Digests) => void; reject: (e: Error) => void };
  const digests = new Promise<Digests>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Callers who only pipe must not crash the process with an unhandled rejection.
  digests.catch(() => {});

  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      for (const hash of hashes) hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      const [md5, sha1, sha256, sha512] = hashes.map((hash) => hash.digest('hex')) as [string, string, string, string];
      settle.resolve({ size, md5, sha1, sha256, sha512 });
      callback();
    },
  });
  stream.on('error', (error) => settle.reject(error));
  stream.on('close', () => settle.reject(new Error('stream closed before it ended')));
  return { stream, digests };
}

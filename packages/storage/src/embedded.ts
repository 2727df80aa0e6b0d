/// <reference path="./s3rver.d.ts" />
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { completeUploadsInPlace } from './embedded-store.ts';

export interface EmbeddedS3 {
  endpoint: string;
  /** The server's own process, when it runs in a child (startEmbeddedS3Process). */
  pid?: number;
  close(): Promise<void>;
}

/**
 * An S3-compatible server on loopback, for development and tests when no S3_ENDPOINT is
 * configured. Production points S3_ENDPOINT at a real store instead.
 *
 * s3rver is loaded here, when a server starts, not with this package: with koa, lodash,
 * winston and busboy it is ~1.7 MB of JavaScript that every API and worker process would
 * otherwise parse and keep, including `npm start`'s, whose S3 server runs in a child.
 */
export async function startEmbeddedS3(dataDir: string, port = 0): Promise<EmbeddedS3> {
  const [{ default: S3rver }, { default: S3Error }] = await Promise.all([
    import('s3rver'),
    import('s3rver/lib/models/error.js'),
  ]);
  await mkdir(dataDir, { recursive: true });
  const server = new S3rver({ address: '127.0.0.1', port, directory: dataDir, silent: true });
  completeUploadsInPlace(server.store, S3Error);
  const address = (await server.run()) as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: () => server.close(),
  };
}

/// <reference path="./s3rver.d.ts" />
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';

export interface EmbeddedS3 {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * An S3-compatible server on loopback, for development and tests when no S3_ENDPOINT is
 * configured. Production points S3_ENDPOINT at a real store instead.
 */
export async function startEmbeddedS3(dataDir: string, port = 0): Promise<EmbeddedS3> {
  await mkdir(dataDir, { recursive: true });
  const server = new S3rver({ address: '127.0.0.1', port, directory: dataDir, silent: true });
  const address = (await server.run()) as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: () => server.close(),
  };
}

// s3rver ships no types; this is the part of its API Packhouse uses.
declare module 's3rver' {
  import type { AddressInfo } from 'node:net';
  interface S3rverOptions {
    address?: string;
    port?: number;
    directory: string;
    silent?: boolean;
    configureBuckets?: Array<{ name: string }>;
  }
  export default class S3rver {
    constructor(options: S3rverOptions);
    /** Its FilesystemStore (lib/stores/filesystem.js); see embedded-store.ts. */
    store: import('./embedded-store.ts').FilesystemStore;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}

declare module 's3rver/lib/models/error.js' {
  const S3Error: import('./embedded-store.ts').S3ErrorClass;
  export default S3Error;
}

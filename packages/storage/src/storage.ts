import type { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { contentTypeOf, IMMUTABLE_CACHE_CONTROL } from './keys.ts';
import { uploadStream } from './multipart.ts';

export interface StorageOptions {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface StoredObject {
  body: Readable;
  size: number;
  contentType: string;
}

export interface ListedObject {
  key: string;
  lastModified: Date;
}

export type Storage = ReturnType<typeof createStorage>;

export function createStorage(options: StorageOptions) {
  const client = new S3Client({
    endpoint: options.endpoint,
    region: options.region,
    forcePathStyle: true,
    // We hash every byte ourselves (md5/sha1/sha256/sha512); the SDK's extra CRC32 on each
    // part would only cost CPU and buffering, and older S3-compatible stores reject it.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
  });
  const Bucket = options.bucket;

  return {
    bucket: Bucket,

    async ensureBucket(): Promise<void> {
      try {
        await client.send(new HeadBucketCommand({ Bucket }));
      } catch {
        await client.send(new CreateBucketCommand({ Bucket }));
      }
    },

    async ping(): Promise<void> {
      await client.send(new HeadBucketCommand({ Bucket }));
    },

    /** Streams a body to `Key` with a multipart upload; memory stays at two reused parts. */
    async upload(Key: string, fileName: string, body: Readable): Promise<void> {
      await uploadStream(
        client,
        { Bucket, Key, ContentType: contentTypeOf(fileName), CacheControl: IMMUTABLE_CACHE_CONTROL },
        body,
      );
    },

    async remove(Key: string): Promise<void> {
      await client.send(new DeleteObjectCommand({ Bucket, Key }));
    },

    async get(Key: string): Promise<StoredObject | undefined> {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket, Key }));
        return {
          body: object.Body as Readable,
          size: object.ContentLength ?? 0,
          contentType: object.ContentType ?? 'application/octet-stream',
        };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },

    /** Every key under a prefix (tests and operators use it to audit the bucket). */
    async list(prefix = ''): Promise<string[]> {
      const found: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken }));
        for (const item of page.Contents ?? []) if (item.Key) found.push(item.Key);
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return found;
    },

    /** Every object under a prefix with its age, a page at a time (the orphan sweeper reads it). */
    async *listPages(prefix: string): AsyncGenerator<ListedObject[]> {
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken }));
        const contents = page.Contents ?? [];
        yield contents.flatMap((item) =>
          item.Key ? [{ key: item.Key, lastModified: item.LastModified ?? new Date(0) }] : [],
        );
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    },

    close(): void {
      client.destroy();
    },
  };
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}

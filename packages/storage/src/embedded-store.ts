import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** The part of s3rver's FilesystemStore (s3rver/lib/stores/filesystem.js, 3.7) this relies on. */
export interface FilesystemStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
  putObjectMultipart(bucket: string, uploadId: string, parts: CompletedPart[]): Promise<StoredObject>;
}

interface CompletedPart {
  number: number;
  etag: string;
}

interface StoredObject {
  size: number;
  md5: string;
}

/** s3rver's error class (s3rver/lib/models/error.js): it answers with the code's status and XML. */
export type S3ErrorClass = new (code: string, message: string) => Error;

/** Parts are appended in slices of this size: a few large writes, not thousands of 64 KB ones. */
const COPY_BYTES = 4 * 1024 * 1024;

/** Makes `store` complete multipart uploads with `completeUpload`, s3rver's other behaviour unchanged. */
export function completeUploadsInPlace(store: FilesystemStore, S3Error: S3ErrorClass): void {
  store.putObjectMultipart = (bucket, uploadId, parts) => completeUpload(store, S3Error, bucket, uploadId, parts);
}

/**
 * Completes multipart uploads the way S3 does, without re-reading the object. s3rver's own
 * `putObjectMultipart` streams every part through a second MD5 into a new file, 64 KB at a
 * time: for a core release that is another 41 MB read, hashed and written on the server's
 * event loop after the last part, while the worker waits on the answer (and with `npm start`
 * the server shares the two cores with the packaging). Here the first part becomes the
 * object's file by a rename, the others are appended in 4 MB slices, and the ETag is S3's
 * own for a multipart object, the MD5 of the parts' MD5s followed by `-` and their count.
 * As S3 does, a listed part must exist with the ETag it was uploaded with, in ascending order.
 * The object appears under its name only once whole (it is assembled under a temporary name).
 */
async function completeUpload(
  store: FilesystemStore,
  S3Error: S3ErrorClass,
  bucket: string,
  uploadId: string,
  parts: CompletedPart[],
): Promise<StoredObject> {
  const uploadDir = path.join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId);
  const [key, metadata] = await Promise.all([
    readFile(path.join(uploadDir, 'key'), 'utf8'),
    readFile(path.join(uploadDir, 'metadata'), 'utf8').then((text) => JSON.parse(text) as unknown),
  ]);
  const partMd5s: Buffer[] = [];
  for (const [index, part] of parts.entries()) {
    if (index > 0 && part.number <= parts[index - 1]!.number) {
      throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order.');
    }
    const stored = await readFile(path.join(uploadDir, `${part.number}.md5`), 'utf8').catch(() => null);
    if (stored === null || stored !== part.etag) {
      throw new S3Error('InvalidPart', `Part ${part.number} was not uploaded, or its ETag does not match.`);
    }
    partMd5s.push(Buffer.from(stored, 'hex'));
  }

  const objectPath = store.getResourcePath(bucket, key, 'object');
  const assembling = path.join(uploadDir, 'object');
  const [first, ...rest] = parts;
  await rename(path.join(uploadDir, String(first!.number)), assembling);
  const file = await open(assembling, 'a');
  let size = (await file.stat()).size;
  try {
    const slice = Buffer.allocUnsafe(COPY_BYTES);
    for (const part of rest) {
      const source = await open(path.join(uploadDir, String(part.number)), 'r');
      try {
        for (;;) {
          const { bytesRead } = await source.read(slice, 0, COPY_BYTES, null);
          if (bytesRead === 0) break;
          await file.write(slice, 0, bytesRead);
          size += bytesRead;
        }
      } finally {
        await source.close();
      }
    }
  } finally {
    await file.close();
  }
  const md5 = `${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-${parts.length}`;
  await mkdir(path.dirname(objectPath), { recursive: true });
  await rename(assembling, objectPath);
  await store.putMetadata(bucket, key, metadata, md5);
  await rm(uploadDir, { recursive: true, force: true });
  return { size, md5 };
}

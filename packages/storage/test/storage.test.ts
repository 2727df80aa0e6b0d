import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer, text } from 'node:stream/consumers';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorage, keys, startEmbeddedS3, type EmbeddedS3, type Storage } from '../src/index.ts';
import { PART_BYTES } from '../src/multipart.ts';

function s3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
}

describe('storage on the embedded S3 server', () => {
  let dir: string;
  let s3: EmbeddedS3;
  let storage: Storage;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'packhouse-s3-'));
    s3 = await startEmbeddedS3(dir);
    storage = createStorage({
      endpoint: s3.endpoint,
      bucket: 'storage-test',
      region: 'us-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    });
    await storage.ensureBucket();
  });

  afterAll(async () => {
    storage.close();
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('uploads a stream in several parts and serves it back with its content type', async () => {
    const body = 'x'.repeat(12 * 1024 * 1024);
    const key = keys.archive('foo', '1.0.0', keys.newBuildId(), 'foo-1.0.0.tar.gz');
    await storage.upload(key, 'foo-1.0.0.tar.gz', Readable.from([Buffer.from(body)]));
    const object = await storage.get(key);
    expect(object?.contentType).toBe('application/gzip');
    expect(object?.size).toBe(body.length);
    expect(await text(object!.body)).toBe(body);
    expect(await storage.list('archives/foo/')).toEqual([key]);
    await storage.remove(key);
    expect(await storage.list('archives/foo/')).toEqual([]);
  });

  it('uploads a body under one part, and one of exactly two parts, byte for byte', async () => {
    for (const size of [1000, 2 * PART_BYTES]) {
      const body = Buffer.alloc(size);
      for (let i = 0; i < size; i++) body[i] = (i * 31 + (i >> 12)) & 0xff;
      const chunks = Array.from({ length: Math.ceil(size / 65_536) }, (_, i) =>
        body.subarray(i * 65_536, (i + 1) * 65_536),
      );
      const key = keys.archive('sizes', '1.0.0', keys.newBuildId(), 'sizes-1.0.0.zip');
      await storage.upload(key, 'sizes-1.0.0.zip', Readable.from(chunks));
      const object = await storage.get(key);
      expect(object?.size).toBe(size);
      expect((await buffer(object!.body)).equals(body)).toBe(true);
      await storage.remove(key);
    }
  });

  it('stores nothing when the body fails after a part was sent', async () => {
    const key = keys.archive('broken', '1.0.0', keys.newBuildId(), 'broken-1.0.0.tar.gz');
    async function* failing() {
      yield Buffer.alloc(PART_BYTES + 1024, 1);
      throw new Error('archive writer failed');
    }
    await expect(storage.upload(key, 'broken-1.0.0.tar.gz', Readable.from(failing()))).rejects.toThrow(
      'archive writer failed',
    );
    expect(await storage.get(key)).toBeUndefined();
  });

  it('completes a multipart upload as S3 does: the parts in order, the multipart ETag, no parts left', async () => {
    const client = s3Client(s3.endpoint);
    const Bucket = 'storage-test';
    const Key = 'complete/three-parts.bin';
    const parts = [Buffer.alloc(PART_BYTES, 1), Buffer.alloc(PART_BYTES, 2), Buffer.from('tail')];
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const etags: string[] = [];
    for (const [index, Body] of parts.entries()) {
      const { ETag } = await client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: index + 1, Body }));
      etags.push(ETag!);
    }
    const Parts = etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 }));

    const wrong = [...Parts.slice(0, 2), { ETag: '"0123456789abcdef0123456789abcdef"', PartNumber: 3 }];
    await expect(
      client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: wrong } })),
    ).rejects.toMatchObject({ name: 'InvalidPart' });
    const unordered = [Parts[1]!, Parts[0]!, Parts[2]!];
    await expect(
      client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: unordered } })),
    ).rejects.toMatchObject({ name: 'InvalidPartOrder' });
    await expect(client.send(new HeadObjectCommand({ Bucket, Key }))).rejects.toMatchObject({ name: 'NotFound' });

    const done = await client.send(
      new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } }),
    );
    const partMd5s = parts.map((part) => createHash('md5').update(part).digest());
    const expected = `"${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-3"`;
    expect(done.ETag).toBe(expected);
    const object = await client.send(new GetObjectCommand({ Bucket, Key }));
    expect(object.ETag).toBe(expected);
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(Buffer.concat(parts))).toBe(true);
    const left = await readdir(path.join(dir, Bucket), { recursive: true });
    expect(left.filter((name) => name.includes(UploadId!))).toEqual([]);
    client.destroy();
  });

  it('answers undefined for a missing key', async () => {
    expect(await storage.get('archives/none')).toBeUndefined();
  });

  it('gives every build its own keys and refuses unsafe parts', () => {
    expect(keys.newBuildId()).not.toBe(keys.newBuildId());
    expect(() => keys.archive('foo', '../../etc', 'b', 'x.zip')).toThrow(/unsafe key part/);
    expect(() => keys.archive('foo', '1.0', 'b', '/x.zip')).toThrow(/unsafe key part/);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorage, keys, startEmbeddedS3, type EmbeddedS3, type Storage } from '../src/index.ts';

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

  it('stages a stream, promotes it to its content key, and serves it back', async () => {
    const body = 'x'.repeat(20 * 1024 * 1024); // several multipart parts
    const staged = await storage.stage('foo-1.0.0.tar.gz', Readable.from([Buffer.from(body)]));
    const key = keys.archive('a'.repeat(64), 'foo-1.0.0.tar.gz');
    await storage.promote(staged, key, 'foo-1.0.0.tar.gz');
    await storage.remove(staged);

    expect(await storage.sizeOf(key)).toBe(body.length);
    expect(await storage.sizeOf(staged)).toBeUndefined();
    const object = await storage.get(key);
    expect(object?.contentType).toBe('application/gzip');
    expect(await text(object!.body)).toBe(body);
    expect(await storage.list('archives/')).toEqual([key]);
  });

  it('answers undefined for a missing key', async () => {
    expect(await storage.get('archives/none')).toBeUndefined();
  });

  it('refuses a key for something that is not a sha256', () => {
    expect(() => keys.archive('../../etc', 'x.zip')).toThrow(/not a sha256/);
  });
});

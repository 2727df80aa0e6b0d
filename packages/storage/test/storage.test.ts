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

  it('answers undefined for a missing key', async () => {
    expect(await storage.get('archives/none')).toBeUndefined();
  });

  it('gives every build its own keys and refuses unsafe parts', () => {
    expect(keys.newBuildId()).not.toBe(keys.newBuildId());
    expect(() => keys.archive('foo', '../../etc', 'b', 'x.zip')).toThrow(/unsafe key part/);
    expect(() => keys.archive('foo', '1.0', 'b', '/x.zip')).toThrow(/unsafe key part/);
  });
});

import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SiteHasher } from '../src/usage/site-hash.ts';

const reference = (secret: string, siteKey: string) =>
  createHmac('sha256', secret).update(siteKey).digest().readBigInt64BE(0).toString();

describe('site key hashes', () => {
  it.each([
    ['a short secret', 'usage-test-secret-0123456789'],
    ['a secret of one block', 's'.repeat(64)],
    ['a secret longer than a block', 'long-secret-'.repeat(20)],
  ])('are the first 64 bits of HMAC-SHA256, with %s', (_, secret) => {
    const hasher = new SiteHasher(secret);
    // Lengths from one byte to the longest site key the feed accepts, one after another
    // through the same buffers: a shorter key must not pick up a longer one's tail.
    for (const siteKey of [
      'x',
      'k'.repeat(256),
      'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5',
      'a',
      'e5b1c2d3f4a5b6c7d8e9f0a1b2c3d4e5',
    ]) {
      expect(hasher.hash(Buffer.from(siteKey))).toBe(reference(secret, siteKey));
    }
  });
});

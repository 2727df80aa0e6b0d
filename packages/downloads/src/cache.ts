import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { DownloadRefused } from './errors.ts';
import { fetchToFile } from './fetch.ts';
import type { DownloadOptions } from './options.ts';

export interface Expected {
  sha256: string | null;
  md5: string | null;
}

export interface Download {
  /** The verified bytes, in the cache: read them, never change them. */
  file: string;
  size: number;
  sha256: string;
  /** Whether the cache already held bytes with the declared sha256 (no request was made). */
  cached: boolean;
}

/**
 * Downloads `url` unless the cache holds bytes with its declared sha256, checks the
 * declared sha256 and md5 against the bytes, and keeps verified bytes under their sha256:
 * the next build declaring the same library does not download it again.
 */
export async function download(url: string, expected: Expected, options: DownloadOptions): Promise<Download> {
  const store = path.join(options.cacheDir, 'sha256');
  if (expected.sha256) {
    const file = path.join(store, expected.sha256);
    const found = await stat(file).catch(() => null);
    if (found?.isFile()) return { file, size: found.size, sha256: expected.sha256, cached: true };
  }
  const partial = path.join(options.cacheDir, 'partial');
  await mkdir(partial, { recursive: true });
  await mkdir(store, { recursive: true });
  const temporary = path.join(partial, randomUUID());
  try {
    const fetched = await fetchToFile(url, temporary, options);
    if (expected.sha256 && fetched.sha256 !== expected.sha256) {
      throw new DownloadRefused(
        'checksum_mismatch',
        url,
        `has sha256 ${fetched.sha256}, the make file declares ${expected.sha256}`,
      );
    }
    if (expected.md5 && fetched.md5 !== expected.md5) {
      throw new DownloadRefused(
        'checksum_mismatch',
        url,
        `has md5 ${fetched.md5}, the make file declares ${expected.md5}`,
      );
    }
    const file = path.join(store, fetched.sha256);
    // Same name, same bytes: a concurrent build renaming over it changes nothing.
    await rename(temporary, file);
    return { file, size: fetched.size, sha256: fetched.sha256, cached: false };
  } finally {
    await rm(temporary, { force: true });
  }
}

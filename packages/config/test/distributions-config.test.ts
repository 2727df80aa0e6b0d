import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/index.ts';

describe('distribution settings', () => {
  it('defaults to https-only downloads with bounded size and time', () => {
    const { distributions } = loadConfig({});
    expect(distributions).toEqual({
      cacheDir: './data/downloads',
      downloadMaxBytes: 100 * 1024 * 1024,
      downloadTimeoutMs: 120_000,
      insecureOrigins: [],
      waitForReleasesMs: 600_000,
    });
  });

  it('accepts origins for local library servers and names a bad one', () => {
    expect(loadConfig({ DOWNLOAD_INSECURE_ORIGINS: 'http://127.0.0.1:8080' }).distributions.insecureOrigins).toEqual([
      'http://127.0.0.1:8080',
    ]);
    expect(() => loadConfig({ DOWNLOAD_INSECURE_ORIGINS: 'http://127.0.0.1:8080/path' })).toThrow(
      'DOWNLOAD_INSECURE_ORIGINS: "http://127.0.0.1:8080/path" must be an origin such as http://127.0.0.1:8080',
    );
    expect(() => loadConfig({ DOWNLOAD_TIMEOUT_MS: '5' })).toThrow('DOWNLOAD_TIMEOUT_MS: must be between 1000');
  });
});

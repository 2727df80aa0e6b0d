export interface DownloadOptions {
  /** Verified downloads are kept here, named by their sha256. */
  cacheDir: string;
  /** A response body over this many bytes is cut off and refused. */
  maxBytes: number;
  /** The whole download, redirects included, must finish within this. */
  timeoutMs: number;
  maxRedirects: number;
  /**
   * Origins (`http://127.0.0.1:8080`) that may be reached over plain http and on loopback:
   * tests' local library servers only. Empty in production: https, public addresses only.
   */
  insecureOrigins: readonly string[];
}

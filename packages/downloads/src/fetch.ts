import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EgressError, resolvePublicHost } from '@packhouse/egress';
import { DownloadRefused } from './errors.ts';
import type { DownloadOptions } from './options.ts';

export interface Fetched {
  /** Where the body was written. */
  file: string;
  size: number;
  sha256: string;
  md5: string;
  /** The URL the body finally came from, after redirects. */
  finalUrl: string;
}

/**
 * GETs `url` into `file`, treating the network as hostile: https only; the host resolved
 * and every address checked by the egress guard (no loopback, private, link-local or
 * metadata address), the connection pinned to the checked address so DNS cannot answer
 * differently in between; each redirect checked the same way; the body cut off past
 * `maxBytes`; the whole exchange bounded by `timeoutMs`.
 */
export async function fetchToFile(url: string, file: string, options: DownloadOptions): Promise<Fetched> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    let current = url;
    for (let hop = 0; ; hop += 1) {
      const response = await request(current, url, options, controller.signal);
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location) {
        response.resume();
        if (hop >= options.maxRedirects)
          throw new DownloadRefused('too_many_redirects', url, `redirects more than ${options.maxRedirects} times`);
        current = new URL(response.headers.location, current).toString();
        continue;
      }
      if (status !== 200) {
        response.resume();
        const error = new Error(`${url}: the server answered ${status}`);
        // A missing file will not appear by retrying; a server error may go away.
        throw status >= 400 && status < 500
          ? new DownloadRefused('download_failed', url, `the server answered ${status}`)
          : error;
      }
      return await save(response, url, current, file, options);
    }
  } catch (error) {
    if (controller.signal.aborted) throw new Error(`${url}: the download took longer than ${options.timeoutMs} ms`);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function request(
  target: string,
  original: string,
  options: DownloadOptions,
  signal: AbortSignal,
): Promise<http.IncomingMessage> {
  let parsed: URL;
  try {
    parsed = new URL(target);
  } catch {
    throw new DownloadRefused('url_invalid', original, `${JSON.stringify(target)} is not a URL`);
  }
  const insecure = options.insecureOrigins.includes(parsed.origin);
  if (parsed.protocol !== 'https:' && !(insecure && parsed.protocol === 'http:')) {
    throw new DownloadRefused('url_not_https', original, `${via(target, original)}must use https`);
  }
  if (parsed.username || parsed.password)
    throw new DownloadRefused('url_credentials', original, `${via(target, original)}must not carry credentials`);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  let address: string;
  try {
    [address] = (await resolvePublicHost(host, { allowLoopback: insecure })) as [string];
  } catch (error) {
    if (error instanceof EgressError && error.rule === 'address_forbidden') {
      throw new DownloadRefused('address_forbidden', original, `${via(target, original)}is refused: ${error.message}`);
    }
    throw error;
  }
  // Connect to the address just checked, whatever DNS says now; TLS still verifies the name.
  const lookup: LookupFunction = (_hostname, lookupOptions, callback) => {
    const family = isIP(address);
    if ((lookupOptions as { all?: boolean }).all)
      (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const client = parsed.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const outgoing = client.get(
      parsed,
      { lookup, signal, headers: { 'user-agent': 'Packhouse distribution builder', accept: '*/*' } },
      resolve,
    );
    outgoing.once('error', reject);
  });
}

function via(target: string, original: string): string {
  return target === original ? '' : `the redirect to ${target} `;
}

async function save(
  response: http.IncomingMessage,
  url: string,
  finalUrl: string,
  file: string,
  options: DownloadOptions,
): Promise<Fetched> {
  const declared = Number(response.headers['content-length'] ?? NaN);
  const tooLarge = () => new DownloadRefused('download_too_large', url, `is larger than ${options.maxBytes} bytes`);
  if (declared > options.maxBytes) {
    response.destroy();
    throw tooLarge();
  }
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > options.maxBytes) return callback(tooLarge());
      sha256.update(chunk);
      md5.update(chunk);
      callback(null, chunk);
    },
  });
  await pipeline(response, meter, createWriteStream(file));
  return { file, size, sha256: sha256.digest('hex'), md5: md5.digest('hex'), finalUrl };
}

import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download, DownloadRefused, type DownloadOptions } from '../src/index.ts';

const BODY = Buffer.from('library bytes\n'.repeat(100));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('downloads: hostile network input', () => {
  let server: http.Server;
  let inside: http.Server;
  let origin: string;
  let insideHits = 0;
  let requests = 0;
  let cacheDir: string;
  let options: DownloadOptions;

  beforeAll(async () => {
    cacheDir = await mkdtemp(path.join(tmpdir(), 'packhouse-downloads-'));
    // Stands for something inside the network that must never be reached.
    inside = http.createServer((_req, res) => {
      insideHits += 1;
      res.end('secret');
    });
    await new Promise<void>((resolve) => inside.listen(0, '127.0.0.1', resolve));
    const insidePort = (inside.address() as AddressInfo).port;
    server = http.createServer((req, res) => {
      requests += 1;
      if (req.url === '/lib.zip') return void res.end(BODY);
      if (req.url === '/big') return void res.end(Buffer.alloc(4096));
      if (req.url === '/chunked-big') {
        res.write(Buffer.alloc(3000));
        return void res.end(Buffer.alloc(3000));
      }
      if (req.url === '/to-inside')
        return void res.writeHead(302, { location: `http://127.0.0.1:${insidePort}/latest/meta-data` }).end();
      if (req.url === '/to-inside-https')
        return void res.writeHead(302, { location: `https://127.0.0.1:${insidePort}/` }).end();
      if (req.url === '/to-lib') return void res.writeHead(301, { location: '/lib.zip' }).end();
      if (req.url === '/loop') return void res.writeHead(302, { location: '/loop' }).end();
      // A host that starts an answer and never finishes it.
      if (req.url === '/stalls') return void res.writeHead(200, { 'content-length': '100' }).write('x');
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    options = { cacheDir, maxBytes: 5000, timeoutMs: 5000, maxRedirects: 3, insecureOrigins: [origin] };
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    inside.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('downloads, verifies the declared sha256 and md5, and keeps the bytes by sha256', async () => {
    const got = await download(`${origin}/lib.zip`, { sha256: sha256(BODY), md5: md5(BODY) }, options);
    expect(got).toMatchObject({ sha256: sha256(BODY), size: BODY.length, cached: false });
    expect(await readFile(got.file)).toEqual(BODY);
    const before = requests;
    const again = await download(`${origin}/lib.zip`, { sha256: sha256(BODY), md5: null }, options);
    expect(again).toMatchObject({ file: got.file, cached: true });
    expect(requests).toBe(before);
  });

  it('follows redirects that pass the same checks', async () => {
    const got = await download(`${origin}/to-lib`, { sha256: null, md5: null }, options);
    expect(got.sha256).toBe(sha256(BODY));
  });

  it('refuses a checksum that does not match, keeping nothing', async () => {
    const wrong = 'f'.repeat(64);
    await expect(download(`${origin}/lib.zip`, { sha256: wrong, md5: null }, options)).rejects.toThrow(
      `${origin}/lib.zip: has sha256 ${sha256(BODY)}, the make file declares ${wrong}`,
    );
    await expect(download(`${origin}/lib.zip`, { sha256: null, md5: '0'.repeat(32) }, options)).rejects.toMatchObject({
      rule: 'checksum_mismatch',
    });
  });

  it('refuses a redirect into the network (SSRF) without connecting to it', async () => {
    const error = await download(`${origin}/to-inside`, { sha256: null, md5: null }, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadRefused);
    expect((error as DownloadRefused).rule).toBe('url_not_https');
    expect((error as Error).message).toContain('the redirect to http://127.0.0.1:');
    // Over https the address itself is refused: loopback is only for the trusted test origin.
    const viaHttps = await download(`${origin}/to-inside-https`, { sha256: null, md5: null }, options).catch(
      (e: unknown) => e,
    );
    expect(viaHttps).toMatchObject({ rule: 'address_forbidden' });
    expect((viaHttps as Error).message).toMatch(/the redirect to https:\/\/127\.0\.0\.1:\d+\/ is refused: .*loopback/);
    expect(insideHits).toBe(0);
  });

  it('refuses loopback and plain http when no origin is trusted (production)', async () => {
    const strict = { ...options, insecureOrigins: [] };
    await expect(download(`${origin}/lib.zip`, { sha256: null, md5: null }, strict)).rejects.toMatchObject({
      rule: 'url_not_https',
    });
    const literal = await download('https://127.0.0.1:1/lib.zip', { sha256: null, md5: null }, strict).catch(
      (e: unknown) => e,
    );
    expect(literal).toMatchObject({ rule: 'address_forbidden' });
    expect((literal as Error).message).toMatch(/loopback/);
    for (const host of ['169.254.169.254', '10.0.0.1', '[::1]', '2130706433']) {
      await expect(download(`https://${host}/x`, { sha256: null, md5: null }, strict)).rejects.toMatchObject({
        rule: 'address_forbidden',
      });
    }
  });

  it('cuts off bodies over the size cap, declared or streamed', async () => {
    await expect(
      download(`${origin}/big`, { sha256: null, md5: null }, { ...options, maxBytes: 1000 }),
    ).rejects.toMatchObject({ rule: 'download_too_large' });
    await expect(download(`${origin}/chunked-big`, { sha256: null, md5: null }, options)).rejects.toMatchObject({
      rule: 'download_too_large',
    });
  });

  it('gives up on a download that outlasts its time limit', async () => {
    await expect(
      download(`${origin}/stalls`, { sha256: null, md5: null }, { ...options, timeoutMs: 200 }),
    ).rejects.toThrow(`${origin}/stalls: the download took longer than 200 ms`);
  });

  it('refuses endless redirects and missing files', async () => {
    await expect(download(`${origin}/loop`, { sha256: null, md5: null }, options)).rejects.toMatchObject({
      rule: 'too_many_redirects',
    });
    await expect(download(`${origin}/missing`, { sha256: null, md5: null }, options)).rejects.toMatchObject({
      rule: 'download_failed',
    });
  });
});

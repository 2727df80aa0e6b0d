import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxyOptions {
  /** Delay before answering each archive download. */
  filesDelayMs?: number;
  /** Rewrites a response body (a fake origin that lies). */
  tamper?: (path: string, body: Buffer) => Buffer;
}

/**
 * An HTTP server in front of a real Packhouse: forwards every request, records each path
 * asked for, and can slow archive downloads down or tamper with what it answers.
 */
export async function startProxy(target: string, options: ProxyOptions = {}) {
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    const path = request.url!;
    requests.push(path);
    const forward = () =>
      http.get(`${target}${path}`, (upstream) => {
        const chunks: Buffer[] = [];
        upstream.on('data', (chunk: Buffer) => chunks.push(chunk));
        upstream.on('end', () => {
          let body: Buffer = Buffer.concat(chunks);
          if (options.tamper) body = options.tamper(path, body);
          const headers = { ...upstream.headers, 'content-length': String(body.length) };
          delete headers['transfer-encoding'];
          response.writeHead(upstream.statusCode!, headers);
          response.end(body);
        });
      });
    if (options.filesDelayMs && path.startsWith('/files/')) setTimeout(forward, options.filesDelayMs);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    options,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

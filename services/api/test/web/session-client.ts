import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestApp } from '@packhouse/testing';

export interface PageResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * A cookie-keeping HTTP client for the pages, over a real socket: what a browser without
 * JavaScript does (GET pages, POST urlencoded forms with their hidden CSRF field).
 */
export class SessionClient {
  readonly cookies = new Map<string, string>();

  constructor(private readonly app: TestApp) {}

  request(
    method: 'GET' | 'POST',
    path: string,
    form?: Record<string, string | string[]>,
    headers: Record<string, string> = {},
  ): Promise<PageResponse> {
    const { port } = this.app.server.address() as AddressInfo;
    let body: string | undefined;
    if (form) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(form))
        for (const one of Array.isArray(value) ? value : [value]) params.append(key, one);
      body = params.toString();
    }
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    return new Promise((resolve, reject) => {
      const outgoing = http.request(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          headers: {
            ...(cookie ? { cookie } : {}),
            ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
            ...headers,
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.once('end', () => {
            for (const line of response.headers['set-cookie'] ?? []) {
              const [pair = ''] = line.split(';');
              const eq = pair.indexOf('=');
              const name = pair.slice(0, eq);
              const value = pair.slice(eq + 1);
              if (/Max-Age=0/.test(line) || value === '') this.cookies.delete(name);
              else this.cookies.set(name, value);
            }
            resolve({
              status: response.statusCode!,
              headers: response.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            });
          });
          response.once('error', reject);
        },
      );
      outgoing.once('error', reject);
      outgoing.end(body);
    });
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, undefined, headers);
  }

  /** Posts a form with the CSRF token found on the page at `from`, as a browser submitting it would. */
  async submit(from: string, action: string, fields: Record<string, string | string[]>): Promise<PageResponse> {
    const page = await this.get(from);
    return this.request('POST', action, { _csrf: csrfOf(page.text), ...fields });
  }

  async signIn(token: string): Promise<void> {
    const response = await this.submit('/sign-in', '/sign-in', { token });
    if (response.status !== 303) throw new Error(`sign-in failed: ${response.status} ${response.text}`);
  }
}

export function csrfOf(page: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!match) throw new Error('no CSRF field on the page');
  return match[1]!;
}

import http from 'node:http';
import https from 'node:https';

/** An HTTP answer other than the one expected. */
export class OriginError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'OriginError';
  }
}

/**
 * The origin over plain HTTP/1.1 with kept-alive connections, one per download in flight:
 * the mirror reads JSON from the API and streams archives into files.
 */
export class Origin {
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;

  constructor(
    readonly base: string,
    concurrency: number,
  ) {
    const secure = base.startsWith('https:');
    this.transport = secure ? https : http;
    this.agent = new (secure ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: concurrency + 2 });
  }

  async json<T>(path: string): Promise<T> {
    const response = await this.get(path);
    const body = await readAll(response);
    const parsed =
      body.length > 0 && response.headers['content-type']?.startsWith('application/json')
        ? JSON.parse(body.toString('utf8'))
        : undefined;
    if (response.statusCode !== 200) {
      throw new OriginError(
        response.statusCode!,
        `GET ${path} answered ${response.statusCode}${parsed?.error ? `: ${parsed.error.message}` : ''}`,
        parsed,
      );
    }
    return parsed as T;
  }

  /** The body as bytes; null for 404. */
  async bytes(path: string): Promise<Buffer | null> {
    const response = await this.get(path);
    const body = await readAll(response);
    if (response.statusCode === 404) return null;
    if (response.statusCode !== 200)
      throw new OriginError(response.statusCode!, `GET ${path} answered ${response.statusCode}`);
    return body;
  }

  /** A 200 response to stream from; anything else is thrown (its body drained). */
  async stream(path: string): Promise<http.IncomingMessage> {
    const response = await this.get(path);
    if (response.statusCode !== 200) {
      response.resume();
      throw new OriginError(response.statusCode!, `GET ${path} answered ${response.statusCode}`);
    }
    return response;
  }

  close(): void {
    this.agent.destroy();
  }

  private get(path: string): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const request = this.transport.get(
        `${this.base}${path}`,
        { agent: this.agent, headers: { accept: 'application/json, */*' } },
        resolve,
      );
      request.setTimeout(60_000, () => request.destroy(new Error(`GET ${path} timed out`)));
      request.once('error', reject);
    });
  }
}

function readAll(response: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.once('end', () => resolve(Buffer.concat(chunks)));
    response.once('error', reject);
  });
}

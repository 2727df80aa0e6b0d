import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

export interface Server {
  url: string;
  pid: number;
  /** Resident memory now, in MB. */
  rssMb(): number;
  stop(): Promise<void>;
}

/** Debian's nginx and wrk: installed when missing and we are root, else the command is printed. */
export function ensureTools(): void {
  const missing = ['nginx', 'wrk'].filter(
    (tool) => spawnSync('sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool}`]).status !== 0,
  );
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing ${missing.join(', ')}: run  sudo apt-get update && sudo apt-get install -y nginx wrk`);
  }
  console.log(`Installing ${missing.join(', ')} from Debian...`);
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', ...missing],
  ]) {
    const result = spawnSync('apt-get', args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (result.status !== 0)
      throw new Error(`apt-get ${args.join(' ')} failed: install ${missing.join(', ')} and run again`);
  }
}

// On a machine with two or more CPUs the server gets CPU 0 and the load generator CPU 1,
// so that each side of every comparison has the same single core.
export const pinned = (cpu: number, command: string, args: string[]): [string, string[]] =>
  os.availableParallelism() >= 2 && spawnSync('sh', ['-c', 'command -v taskset']).status === 0
    ? ['taskset', ['-c', String(cpu), command, ...args]]
    : [command, args];

/** Builds dist/api.mjs, the bundle production runs (`npm run api`). */
export function bundle(root: string): void {
  const result = spawnSync(process.execPath, ['scripts/bundle.mjs'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm run bundle failed');
}

/**
 * One API process (the bundle) on loopback, pinned to CPU 0 unless `cpu` is null (free to use
 * every core, as production runs it); `nodeArgs` e.g. --cpu-prof.
 */
export async function startApi(
  root: string,
  port: number,
  env: Record<string, string>,
  nodeArgs: string[] = [],
  cpu: number | null = 0,
): Promise<Server> {
  const node: [string, string[]] = [process.execPath, [...nodeArgs, 'dist/api.mjs']];
  const [command, args] = cpu === null ? node : pinned(cpu, ...node);
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return ready(child, `http://127.0.0.1:${port}`, '/healthz');
}

/** nginx with one worker, serving `dir` as static files, precompressed `.gz` beside each. */
export async function startNginx(work: string, dir: string, port: number): Promise<Server> {
  const prefix = path.join(work, 'nginx');
  mkdirSync(path.join(prefix, 'logs'), { recursive: true });
  const conf = path.join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
pid ${prefix}/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
  access_log off;
  log_not_found off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  open_file_cache max=50000 inactive=120s;
  open_file_cache_valid 120s;
  types {}
  default_type application/xml;
  charset utf-8;
  charset_types application/xml;
  gzip_static on;
  client_body_temp_path ${prefix}/tmp;
  proxy_temp_path ${prefix}/tmp;
  fastcgi_temp_path ${prefix}/tmp;
  uwsgi_temp_path ${prefix}/tmp;
  scgi_temp_path ${prefix}/tmp;
  server {
    listen 127.0.0.1:${port};
    root ${dir};
    add_header Cache-Control "public, max-age=60, stale-while-revalidate=300, stale-if-error=86400";
    add_header Vary Accept-Encoding;
  }
}
`,
  );
  const [command, args] = pinned(0, 'nginx', ['-p', prefix, '-c', conf]);
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  // Any answer (a 404 here) means nginx is up.
  return ready(child, `http://127.0.0.1:${port}`, '/ready-probe');
}

async function ready(child: ChildProcess, url: string, probe: string): Promise<Server> {
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`${url} exited with ${code}`))),
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = await Promise.race([
      get(`${url}${probe}`)
        .then((r) => r.status)
        .catch(() => 0),
      exited,
    ]);
    if (status > 0) break;
    if (Date.now() > deadline) throw new Error(`${url} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    pid: child.pid!,
    rssMb: () => rssMb(child.pid!),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

// The pid may be taskset's, which execs the server in place: same pid.
function rssMb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

/** A raw GET: the bytes as sent (no decompression), status and headers. */
export function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

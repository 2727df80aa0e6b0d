import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './ports.ts';

export interface PrivatePostgres {
  /** The server's URL (database `postgres`), for createTestDatabase. */
  url: string;
  /** Stops the server (fast shutdown: sessions are terminated), without blocking this process. */
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): void;
}

/**
 * A Postgres cluster of this test's own, in a temp folder on a free port, made with
 * Debian's binaries (/usr/lib/postgresql/N/bin): a fault test may stop and restart it while
 * other tests keep using the machine's server. As root, it runs as the postgres user
 * (initdb refuses root).
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b));
  if (versions.length === 0)
    throw new Error(
      "No Postgres binaries under /usr/lib/postgresql: install Debian's postgresql package (.ci/run does).",
    );
  const bin = `/usr/lib/postgresql/${versions.at(-1)}/bin`;
  const dir = mkdtempSync(path.join(tmpdir(), 'packhouse-fault-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, uidOf('postgres'), gidOf('postgres'));
  const command = (tool: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', `${bin}/${tool}`, ...args]] : [`${bin}/${tool}`, args];
  const run = (tool: string, args: string[]) => execFileSync(...command(tool, args), { stdio: 'pipe', cwd: dir });
  // The API under test runs in this process: stopping and starting must not block it.
  const runAsync = async (tool: string, args: string[]) =>
    void (await promisify(execFile)(...command(tool, args), { cwd: dir }));
  const data = path.join(dir, 'data');
  const port = await freePort();
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const settings = 'listen_addresses=127.0.0.1 fsync=off full_page_writes=off max_connections=100';
  const options = [`-p ${port}`, `-k ${dir}`, ...settings.split(' ').map((setting) => `-c ${setting}`)].join(' ');
  const startArgs = ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start'];
  run('pg_ctl', startArgs);
  let destroyed = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => runAsync('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
    start: () => runAsync('pg_ctl', startArgs),
    destroy() {
      if (destroyed) return;
      destroyed = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // Already stopped.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function uidOf(user: string): number {
  return Number(execFileSync('id', ['-u', user]).toString().trim());
}

function gidOf(user: string): number {
  return Number(execFileSync('id', ['-g', user]).toString().trim());
}

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { get, pinned } from './feed-servers.ts';

export interface LoadResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  /** Responses that were not 2xx/3xx. */
  badStatus: number;
}

/**
 * A wrk script that asks for a random path of `paths` each time, with Accept-Encoding gzip as
 * Drupal's HTTP client (Guzzle over curl) sends it, and, when `siteKeys` is set, the query
 * a site adds to be counted: one of 100,000 site keys.
 */
export function wrkScript(work: string, name: string, paths: string[], siteKeys: boolean): string {
  const list = path.join(work, `${name}.paths`);
  writeFileSync(list, `${paths.join('\n')}\n`);
  const script = path.join(work, `${name}.lua`);
  writeFileSync(
    script,
    `local paths = {}
for line in io.lines("${list}") do paths[#paths + 1] = line end
local site_keys = ${siteKeys ? 'true' : 'false'}
math.randomseed(os.time())
request = function()
  local p = paths[math.random(#paths)]
  if site_keys then p = p .. string.format("?site_key=bench-site-%d&version=8.x-1.4&list=x", math.random(100000)) end
  return wrk.format("GET", p, { ["Accept-Encoding"] = "gzip" })
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %f %f %f\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency.max))
end
`,
  );
  return script;
}

/** One wrk run on loopback (one thread, pinned to CPU 1): requests/second and latency. */
export async function runWrk(url: string, script: string, { seconds, connections }: { seconds: number; connections: number }): Promise<LoadResult> {
  const [command, args] = pinned(1, 'wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', '-s', script, url]);
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited with ${code}: ${text}`))));
  });
  const line = /RESULT (.+)/.exec(output)?.[1];
  if (!line) throw new Error(`no result from wrk: ${output}`);
  const [requests, durationUs, errors, badStatus, p50, p99, max] = line.split(' ').map(Number) as number[];
  return {
    requests: requests!,
    rps: requests! / (durationUs! / 1e6),
    p50Ms: p50! / 1000,
    p99Ms: p99! / 1000,
    maxMs: max! / 1000,
    errors: errors!,
    badStatus: badStatus!,
  };
}

/** Fetches every path with `concurrency` requests in flight; returns requests per second. */
export async function fetchAll(base: string, paths: string[], headers: Record<string, string>, concurrency: number, keep?: (path: string, body: Buffer) => void): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < paths.length) {
        const p = paths[next++]!;
        const response = await get(`${base}${p}`, headers);
        if (response.status !== 200) throw new Error(`${p}: HTTP ${response.status}`);
        keep?.(p, response.body);
      }
    }),
  );
  return paths.length / ((performance.now() - started) / 1000);
}

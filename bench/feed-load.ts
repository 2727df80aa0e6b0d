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
 * Who polls, when the feed is asked with `site_key`:
 * - `daily`: Drupal's Update module checks every day, so in a week each (site, project)
 *   is counted on its first poll and seen again on six more. One poll in seven is a site
 *   new this week; the others come from the SITES sites whose MODULES projects each were
 *   already counted (`dailyWarmUp` lists those polls).
 * - `new-sites`: every poll is a site never seen before, the most a poll can cost.
 */
export type Polling = 'none' | 'daily' | 'new-sites';
export const SITES = 10_000;
export const MODULES = 10;

/** The project index (0-based) of `site`'s `module`-th project (1-based), as the wrk script computes it. */
function projectOf(site: number, module: number, projects: number): number {
  return (site * 7_919 + module * 104_729) % projects;
}

/** The paths that count every (site, project) pair of the `daily` population once. */
export function dailyWarmUp(paths: string[]): string[] {
  const polls: string[] = [];
  for (let site = 1; site <= SITES; site++) {
    for (let module = 1; module <= MODULES; module++)
      polls.push(`${paths[projectOf(site, module, paths.length)]}${query(`bench-site-${site}`)}`);
  }
  return polls;
}

const query = (siteKey: string) => `?site_key=${siteKey}&version=8.x-1.4&list=x`;

/** The end of every wrk script: the one line runWrk reads its figures from. */
export const WRK_REPORT = `done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %f %f %f\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency.max))
end
`;

/**
 * A wrk script that asks for a random path of `paths` each time, with Accept-Encoding gzip as
 * Drupal's HTTP client (Guzzle over curl) sends it, and the query a site adds to be counted
 * as `polling` says.
 */
export function wrkScript(work: string, name: string, paths: string[], polling: Polling): string {
  const list = path.join(work, `${name}.paths`);
  writeFileSync(list, `${paths.join('\n')}\n`);
  const script = path.join(work, `${name}.lua`);
  writeFileSync(
    script,
    `local paths = {}
for line in io.lines("${list}") do paths[#paths + 1] = line end
local polling = "${polling}"
math.randomseed(os.time())
-- Site keys new in this run: unique across runs too.
local run = string.format("%d-%d", os.time(), math.random(1000000000))
local fresh = 0
local function new_site()
  fresh = fresh + 1
  return paths[math.random(#paths)] .. string.format("${query('bench-new-%s-%d')}", run, fresh)
end
request = function()
  local p
  if polling == "none" then
    p = paths[math.random(#paths)]
  elseif polling == "new-sites" or math.random(7) == 1 then
    p = new_site()
  else
    local site, module = math.random(${SITES}), math.random(${MODULES})
    p = paths[(site * 7919 + module * 104729) % #paths + 1] .. string.format("${query('bench-site-%d')}", site)
  end
  return wrk.format("GET", p, { ["Accept-Encoding"] = "gzip" })
end
${WRK_REPORT}`,
  );
  return script;
}

/** One wrk run on loopback (one thread, pinned to CPU 1): requests/second and latency. */
export async function runWrk(
  url: string,
  script: string,
  { seconds, connections }: { seconds: number; connections: number },
): Promise<LoadResult> {
  const [command, args] = pinned(1, 'wrk', [
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '--timeout',
    '5s',
    '-s',
    script,
    url,
  ]);
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
export async function fetchAll(
  base: string,
  paths: string[],
  headers: Record<string, string>,
  concurrency: number,
  keep?: (path: string, body: Buffer) => void,
): Promise<number> {
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

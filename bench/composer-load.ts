import { writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A wrk script of Composer-like clients asking for p2 files: a random package each time,
 * gzip accepted, and half of them holding a cached copy, so sending its Last-Modified as
 * If-Modified-Since (Composer revalidates every file it has, and gets a 304); the other
 * half have none (a cold cache or a new package) and get the whole body.
 */
export function composerScript(work: string, name: string, files: { path: string; lastModified: string }[]): string {
  const list = path.join(work, `${name}.paths`);
  writeFileSync(list, `${files.map((file) => `${file.path}\t${file.lastModified}`).join('\n')}\n`);
  const script = path.join(work, `${name}.lua`);
  writeFileSync(
    script,
    `local paths, dates = {}, {}
for line in io.lines("${list}") do
  local p, d = line:match("^([^\\t]+)\\t(.+)$")
  paths[#paths + 1] = p
  dates[#dates + 1] = d
end
math.randomseed(os.time())
request = function()
  local i = math.random(#paths)
  local headers = { ["Accept-Encoding"] = "gzip", ["User-Agent"] = "Composer/2.5.5 (Linux; PHP 8.2)" }
  if math.random(2) == 1 then headers["If-Modified-Since"] = dates[i] end
  return wrk.format("GET", paths[i], headers)
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

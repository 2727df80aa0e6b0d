import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The node flags that an npm script of package.json starts `entry` with (`npm start`: the
 * V8 flags of dist/standalone.mjs), so that a benchmark runs the process as users do and
 * cannot drift from the script.
 */
export function nodeFlagsOf(root: string, script: string, entry: string): string[] {
  const scripts = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
  const command = scripts[script] ?? '';
  const flags = /(?:^|&& )node ((?:--\S+ )*)(\S+)$/.exec(command);
  if (!flags || flags[2] !== entry) throw new Error(`npm run ${script} does not end with "node [flags] ${entry}"`);
  return flags[1]!.split(' ').filter(Boolean);
}

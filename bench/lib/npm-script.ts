import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * How an npm script of package.json starts `entry` (`npm start`: dist/standalone.mjs): the
 * environment variables set before `node` and the node flags, so that a benchmark runs the
 * process as users do and cannot drift from the script.
 */
export function nodeCommandOf(
  root: string,
  script: string,
  entry: string,
): { env: Record<string, string>; flags: string[] } {
  const scripts = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
  const command = scripts[script] ?? '';
  const parts = /(?:^|&& )((?:[A-Z_]+=\S* )*)node ((?:--\S+ )*)(\S+)$/.exec(command);
  if (!parts || parts[3] !== entry)
    throw new Error(`npm run ${script} does not end with "[VAR=value] node [flags] ${entry}"`);
  const env = Object.fromEntries(
    parts[1]!
      .split(' ')
      .filter(Boolean)
      .map((assignment) => [
        assignment.slice(0, assignment.indexOf('=')),
        assignment.slice(assignment.indexOf('=') + 1),
      ]),
  );
  return { env, flags: parts[2]!.split(' ').filter(Boolean) };
}

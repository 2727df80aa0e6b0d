import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const LOGGER = path.join(import.meta.dirname, '../src/logger.ts');
// A process that logs one line the way the services do, then exits.
const PROGRAM = `import { createLogger } from ${JSON.stringify(LOGGER)};
const log = createLogger('api', 'info');
log.info({ release: { id: '42' } }, 'Release published.');
log.flush?.();
setTimeout(() => process.exit(0), 500);`;

function run(viaTerminal: boolean): string {
  const node = [process.execPath, '--import', 'tsx', '--input-type=module', '-e', PROGRAM];
  // `script` gives the child a pseudo-terminal as stdout, as a person's shell would.
  const [command, args] = viaTerminal
    ? ['script', ['-qec', node.map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(' '), '/dev/null']]
    : [node[0]!, node.slice(1)];
  return execFileSync(command as string, args as string[], {
    encoding: 'utf8',
    timeout: 30_000,
    cwd: path.join(import.meta.dirname, '..'),
  });
}

describe('the process logger', () => {
  it('writes one JSON object per line when stdout is not a terminal', () => {
    const line = JSON.parse(run(false).trim());
    expect(line).toMatchObject({ level: 30, name: 'api', msg: 'Release published.', release: { id: '42' } });
  });

  it('writes readable lines through pino-pretty on a terminal', () => {
    const output = run(true).replace(/\x1b\[[0-9;]*m/g, '');
    expect(output).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(api\): Release published\.\r?\n\s+release: \{/m);
    expect(output).not.toContain('"msg"');
  });
});

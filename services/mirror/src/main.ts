import { pino } from 'pino';
import { Mirror } from './mirror.ts';
import { parseOptions, UsageError } from './options.ts';
import { Untrusted } from './trust.ts';

// `npm run mirror -- --origin URL --dir PATH [--once]`: see README, "Running a mirror".
let options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(64);
}

// On a terminal: a redrawn progress line, and only warnings and errors as log lines.
const terminal = process.stderr.isTTY ? process.stderr : null;
const log = pino({ name: 'packhouse-mirror', level: terminal ? 'warn' : 'info' });
const mirror = new Mirror(options, log, terminal);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log.warn({ signal }, 'Stopping after the page in hand.');
    mirror.stop();
  });
}

try {
  const result = await mirror.run();
  log.info({ ...result, parked: result.parked.length }, 'Mirror pass finished.');
  if (terminal)
    process.stderr.write(
      `downloaded ${result.downloaded}, already present ${result.present}, parked ${result.parked.length}\n`,
    );
  // Exit 2 when objects stay parked, so a scheduler notices.
  process.exitCode = result.parked.length > 0 ? 2 : 0;
} catch (error) {
  log.fatal(
    { err: error },
    error instanceof Untrusted ? `Refused the origin's metadata: ${(error as Error).message}` : 'The mirror stopped.',
  );
  process.exitCode = 1;
}

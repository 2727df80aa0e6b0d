import { pino, type Logger } from 'pino';
import { REDACTION } from './redaction.ts';

/**
 * The process logger: JSON lines for log collectors, or readable lines (pino-pretty, in a
 * worker thread) when a person watches the terminal. Credentials are redacted either way
 * (redaction.ts).
 */
export function createLogger(name: string, level: string, { pretty = process.stdout.isTTY === true } = {}): Logger {
  if (!pretty) return pino({ name, level, redact: REDACTION });
  return pino({
    name,
    level,
    redact: REDACTION,
    transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
  });
}

import { pino, type Logger } from 'pino';

/**
 * The process logger: JSON lines for log collectors, or readable lines (pino-pretty, in a
 * worker thread) when a person watches the terminal.
 */
export function createLogger(name: string, level: string, { pretty = process.stdout.isTTY === true } = {}): Logger {
  if (!pretty) return pino({ name, level });
  return pino({
    name,
    level,
    transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
  });
}

import { pino, type Logger } from 'pino';

export type { Logger };

/** One JSON line per event on stdout (pino). Pipe through `pino-pretty` to read by eye. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'fika' } });
}

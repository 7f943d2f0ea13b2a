import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs without personal data: callers log ids, never emails, phones or names. */
export function createLogger(level: string, name = 'laurel'): Logger {
  return pino({ name, level, redact: { paths: ['email', '*.email', 'phone', '*.phone', 'to', '*.to'], remove: true } });
}

import { pino, type Logger } from 'pino';

/** JSON lines on stderr; stdout stays free for anything a user pipes. */
export function createLogger(level: string, name: string): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}

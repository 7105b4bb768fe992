/**
 * The logging interface every module receives instead of reaching for `console`. Fields are structured
 * so an operator can grep them; messages say what happened and what was done about it.
 */
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** One JSON line per entry on stderr; debug lines only when asked for. */
export function consoleLogger(options: { debug?: boolean; name?: string } = {}): Logger {
  const write = (level: string, message: string, fields?: LogFields): void => {
    const line = { time: new Date().toISOString(), level, ...(options.name === undefined ? {} : { logger: options.name }), message, ...fields };
    process.stderr.write(`${JSON.stringify(line, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
  };
  return {
    debug: (m, f) => {
      if (options.debug === true) write('debug', m, f);
    },
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

/** Keeps entries in memory; tests assert on what was reported. */
export class MemoryLogger implements Logger {
  readonly entries: Array<{ level: 'debug' | 'info' | 'warn' | 'error'; message: string; fields: LogFields }> = [];
  debug(message: string, fields: LogFields = {}): void {
    this.entries.push({ level: 'debug', message, fields });
  }
  info(message: string, fields: LogFields = {}): void {
    this.entries.push({ level: 'info', message, fields });
  }
  warn(message: string, fields: LogFields = {}): void {
    this.entries.push({ level: 'warn', message, fields });
  }
  error(message: string, fields: LogFields = {}): void {
    this.entries.push({ level: 'error', message, fields });
  }
}

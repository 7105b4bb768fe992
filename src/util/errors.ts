/**
 * The one base class for errors Gregor throws. Kafka error codes travel as data in responses;
 * exceptions are for bugs, I/O and undecodable input. `code` is stable for callers to branch on.
 */
export class GregorError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

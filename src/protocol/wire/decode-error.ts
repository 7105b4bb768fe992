import { GregorError } from '../../util/index.ts';

/** Raised for any input the codec cannot decode: truncated, oversize, malformed. The only error a decoder throws. */
export class DecodeError extends GregorError {
  constructor(message: string) {
    super('DECODE_ERROR', message);
  }
}

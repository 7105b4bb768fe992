import { DecodeError } from '../wire/decode-error.ts';

/**
 * Turns whatever a native codec threw on bad input into the DecodeError decoders promise.
 * Node's zlib signals `maxOutputLength` overruns with a RangeError (ERR_BUFFER_TOO_LARGE).
 */
export function codecFailure(codec: string, err: unknown, maxBytes: number): DecodeError {
  if (err instanceof DecodeError) return err;
  if ((err as { code?: unknown } | null)?.code === 'ERR_BUFFER_TOO_LARGE') {
    return tooLarge(codec, maxBytes);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new DecodeError(`${codec}: corrupt compressed data (${message})`);
}

export function tooLarge(codec: string, maxBytes: number): DecodeError {
  return new DecodeError(`${codec}: decompressed data exceeds the limit of ${maxBytes} bytes`);
}

/** zlib rejects maxOutputLength < 1; a limit of 0 is enforced by the caller's length check. */
export function zlibOutputLimit(maxBytes: number): number {
  return Math.max(1, Math.min(maxBytes, 2 ** 32));
}

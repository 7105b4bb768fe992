import { GregorError } from '../../util/index.ts';
import { DecodeError, type Reader, type Writer } from '../wire/index.ts';

/** Helpers the generated message codecs call. Hand-written; the generated files import them. */

export const EMPTY_BUFFER: Buffer = Buffer.alloc(0);

/** A tagged field this codec does not know (KIP-482), kept so it survives decode → encode. */
export interface TaggedField {
  tag: number;
  data: Buffer;
}

/** Raised when a message cannot be encoded at the requested version: a bug in the caller. */
export class EncodeError extends GregorError {
  constructor(message: string) {
    super('ENCODE_ERROR', message);
  }
}

export function nonNull<T>(value: T | null, field: string, version: number): T {
  if (value === null) throw new EncodeError(`${field} may not be null in version ${version}`);
  return value;
}

/** Reads one tagged field's tag and size; returns where its payload ends. */
export function readTaggedFieldHeader(r: Reader): { tag: number; end: number } {
  const tag = r.uvarint();
  const size = r.uvarint();
  if (size > r.remaining) throw new DecodeError(`tagged field ${tag} of ${size} bytes overruns the input`);
  return { tag, end: r.pos + size };
}

/** Writes the tagged-field section: known fields (already encoded) and unknown ones, by ascending tag. */
export function writeTaggedFields(w: Writer, known: TaggedField[] | undefined, unknown: TaggedField[] | undefined): void {
  if (unknown === undefined || unknown.length === 0) {
    if (known === undefined || known.length === 0) {
      w.uvarint(0);
      return;
    }
    writeAll(w, known);
    return;
  }
  const all = known === undefined ? [...unknown] : [...known, ...unknown];
  all.sort((a, b) => a.tag - b.tag);
  writeAll(w, all);
}

function writeAll(w: Writer, fields: TaggedField[]): void {
  w.uvarint(fields.length);
  for (const f of fields) {
    w.uvarint(f.tag);
    w.uvarint(f.data.length);
    w.raw(f.data);
  }
}

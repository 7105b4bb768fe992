import fc from 'fast-check';
import { resolve } from 'node:path';
import { loadMessage, type FieldSpec, type FieldType, type MessageSpec, type StructSpec } from '../../codegen/spec.ts';
import { camelCase } from '../../codegen/names.ts';
import { contains } from '../../codegen/version-range.ts';

/**
 * fast-check arbitraries built from the same JSON specs the generator reads, independently of the
 * generated code: a random message for (spec, version) holds every field of that version, null only
 * where the version allows it, and random unknown tagged fields in flexible versions.
 */

export const SPEC_DIR = process.env['KAFKA_MESSAGES_DIR'] ?? resolve(import.meta.dirname, '../../../shared/kafka-protocol/messages');

export function spec(name: string): MessageSpec {
  return loadMessage(SPEC_DIR, name);
}

const uuid = fc.uuid({ version: [1, 2, 3, 4, 5] }).map((u) => u.toLowerCase());
const buffer = (max: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));

function primitive(name: string): fc.Arbitrary<unknown> {
  switch (name) {
    case 'bool': return fc.boolean();
    case 'int8': return fc.integer({ min: -128, max: 127 });
    case 'int16': return fc.integer({ min: -32768, max: 32767 });
    case 'uint16': return fc.integer({ min: 0, max: 65535 });
    case 'int32': return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'uint32': return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case 'int64': return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'float64': return fc.double({ noNaN: true });
    case 'string': return fc.string({ maxLength: 12, unit: 'grapheme' });
    case 'bytes': return buffer(24);
    case 'records': return buffer(64);
    case 'uuid': return uuid;
    default: throw new Error(`no arbitrary for ${name}`);
  }
}

export function messageArbitrary(msg: MessageSpec, version: number): fc.Arbitrary<Record<string, unknown>> {
  const flexible = contains(msg.flexibleVersions, version);
  return structArbitrary(msg.root, version, flexible, 0);
}

function structArbitrary(s: StructSpec, version: number, flexible: boolean, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of s.fields) {
    if (!contains(f.versions, version)) continue;
    record[camelCase(f.name)] = fieldArbitrary(f, f.type, version, flexible && !f.neverFlexible, depth, true);
  }
  const base = fc.record(record);
  if (!flexible) return base;
  const known = new Set(s.fields.filter((f) => f.tag !== undefined).map((f) => f.tag));
  const unknownTags = fc
    .uniqueArray(fc.integer({ min: 0, max: 40 }).filter((t) => !known.has(t)), { maxLength: 2 })
    .chain((tags) => fc.tuple(...tags.sort((a, b) => a - b).map((tag) => buffer(6).map((data) => ({ tag, data })))));
  return fc.tuple(base, fc.option(unknownTags, { nil: undefined, freq: 4 })).map(([o, unknown]) => {
    if (unknown !== undefined && unknown.length > 0) o['_unknownTaggedFields'] = unknown;
    return o;
  });
}

function fieldArbitrary(f: FieldSpec, type: FieldType, version: number, flexible: boolean, depth: number, top: boolean): fc.Arbitrary<unknown> {
  let arb: fc.Arbitrary<unknown>;
  if (type.kind === 'primitive') arb = primitive(type.name);
  else if (type.kind === 'struct') arb = structArbitrary(type.struct, version, flexible, depth + 1);
  else arb = fc.array(fieldArbitrary(f, type.element, version, flexible, depth + 1, false), { maxLength: depth > 2 ? 1 : 3 });
  if (top && contains(f.nullableVersions, version)) return fc.option(arb, { nil: null, freq: 4 });
  return arb;
}

/**
 * The part of a message that is on the wire at a version: fields of that version only, recursively,
 * as plain objects, so an original and its decoded copy (which fills absent fields with defaults)
 * can be compared.
 */
export function wireView(msg: MessageSpec, version: number, value: Record<string, unknown>): Record<string, unknown> {
  return viewStruct(msg.root, version, value);
}

function viewStruct(s: StructSpec, version: number, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of s.fields) {
    if (!contains(f.versions, version)) continue;
    const key = camelCase(f.name);
    out[key] = viewValue(f.type, version, value[key]);
  }
  if (value['_unknownTaggedFields'] !== undefined) out['_unknownTaggedFields'] = value['_unknownTaggedFields'];
  return out;
}

function viewValue(type: FieldType, version: number, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (type.kind === 'array') return (value as unknown[]).map((e) => viewValue(type.element, version, e));
  if (type.kind === 'struct') return viewStruct(type.struct, version, value as Record<string, unknown>);
  return value;
}

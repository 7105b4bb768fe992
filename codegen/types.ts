import type { FieldSpec, FieldType, StructSpec } from './spec.ts';
import { contains, type VersionRange } from './version-range.ts';

/** The versions generated for one message: a closed range within its validVersions. */
export interface Span {
  readonly lo: number;
  readonly hi: number;
}

export function overlaps(range: VersionRange, span: Span): boolean {
  return range.min <= span.hi && range.max >= span.lo;
}

export function coversSpan(range: VersionRange, span: Span): boolean {
  return range.min <= span.lo && range.max >= span.hi;
}

/** Fields that appear on the wire in at least one generated version. */
export function fieldsInSpan(struct: StructSpec, span: Span): FieldSpec[] {
  return struct.fields.filter((f) => overlaps(f.versions, span));
}

export function isTaggedAt(field: FieldSpec, version: number, flexible: boolean): boolean {
  return flexible && contains(field.taggedVersions, version);
}

export function isNullableAnywhere(field: FieldSpec, span: Span): boolean {
  return overlaps(field.nullableVersions, span);
}

export function structsOf(type: FieldType): StructSpec | undefined {
  if (type.kind === 'struct') return type.struct;
  if (type.kind === 'array') return structsOf(type.element);
  return undefined;
}

const TS_PRIMITIVE: Record<string, string> = {
  bool: 'boolean', int8: 'number', int16: 'number', uint16: 'number', int32: 'number', uint32: 'number',
  int64: 'bigint', float64: 'number', string: 'string', bytes: 'Buffer', records: 'Buffer', uuid: 'string',
};

/** TypeScript type of a field value; `structName` maps a struct to its generated interface name. */
export function tsType(type: FieldType, structName: (s: StructSpec) => string): string {
  switch (type.kind) {
    case 'primitive':
      return TS_PRIMITIVE[type.name]!;
    case 'array': {
      const inner = tsType(type.element, structName);
      return `${inner}[]`;
    }
    case 'struct':
      return structName(type.struct);
  }
}

/** TypeScript literal of a field's default value (Kafka's FieldSpec defaults: 0, "", empty, or the spec's "default"). */
export function defaultLiteral(field: FieldSpec, span: Span, structName: (s: StructSpec) => string): string {
  const d = field.default;
  const type = field.type;
  if (d === 'null') {
    if (!isNullableAnywhere(field, span)) {
      // The spec gives "null" only for fields nullable somewhere; outside the span fall back to empty.
      return emptyValue(type, structName);
    }
    return 'null';
  }
  if (type.kind === 'array') return '[]';
  if (type.kind === 'struct') return `default${structName(type.struct)}()`;
  switch (type.name) {
    case 'bool':
      return d === 'true' ? 'true' : 'false';
    case 'int8': case 'int16': case 'uint16': case 'int32': case 'uint32': case 'float64':
      return String(Number(d ?? '0'));
    case 'int64':
      return `${BigInt(d ?? '0')}n`;
    case 'string':
      return JSON.stringify(d ?? '');
    case 'uuid':
      return 'ZERO_UUID';
    case 'bytes':
      return 'EMPTY_BUFFER';
    case 'records':
      return isNullableAnywhere(field, span) ? 'null' : 'EMPTY_BUFFER';
  }
}

function emptyValue(type: FieldType, structName: (s: StructSpec) => string): string {
  if (type.kind === 'array') return '[]';
  if (type.kind === 'struct') return `default${structName(type.struct)}()`;
  if (type.name === 'string') return '""';
  if (type.name === 'bytes' || type.name === 'records') return 'EMPTY_BUFFER';
  return '0';
}

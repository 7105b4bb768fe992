import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { patchMessage } from './spec-patches.ts';
import { parseRange, type VersionRange } from './version-range.ts';

/** The parts of Kafka's message JSON (clients/src/main/resources/common/message) that shape the wire format. */
interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  default?: string | number | boolean;
  flexibleVersions?: string;
  fields?: RawField[];
}

interface RawMessage {
  name: string;
  type: 'request' | 'response' | 'header' | 'data' | 'metadata';
  apiKey?: number;
  validVersions: string;
  flexibleVersions: string;
  fields: RawField[];
  commonStructs?: Array<{ name: string; fields: RawField[] }>;
}

export type PrimitiveName =
  | 'bool' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'float64'
  | 'string' | 'bytes' | 'records' | 'uuid';

export type FieldType =
  | { kind: 'primitive'; name: PrimitiveName }
  | { kind: 'array'; element: FieldType }
  | { kind: 'struct'; struct: StructSpec };

export interface FieldSpec {
  name: string;
  type: FieldType;
  versions: VersionRange;
  nullableVersions: VersionRange;
  taggedVersions: VersionRange;
  tag: number | undefined;
  default: string | undefined;
  /** A field-level "flexibleVersions": "none" keeps the legacy encoding in flexible versions (RequestHeader.ClientId). */
  neverFlexible: boolean;
}

export interface StructSpec {
  name: string;
  fields: FieldSpec[];
}

export interface MessageSpec {
  name: string;
  type: RawMessage['type'];
  apiKey: number | undefined;
  validVersions: VersionRange;
  flexibleVersions: VersionRange;
  root: StructSpec;
}

const PRIMITIVES = new Set<string>([
  'bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'bytes', 'records', 'uuid',
]);

/** The spec files carry `//` line comments; strip them (only outside strings) before JSON.parse. */
function stripComments(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^\s*\/\//.test(line))
    .join('\n');
}

export function loadMessage(dir: string, name: string): MessageSpec {
  const raw = JSON.parse(stripComments(readFileSync(join(dir, `${name}.json`), 'utf8'))) as RawMessage;
  patchMessage(raw);
  const common = new Map<string, RawField[]>();
  for (const s of raw.commonStructs ?? []) common.set(s.name, s.fields);
  const built = new Map<string, StructSpec>();

  function structOf(typeName: string, inline: RawField[] | undefined): StructSpec {
    const fields = inline ?? common.get(typeName);
    if (!fields) throw new Error(`${raw.name}: unknown struct type ${typeName}`);
    const existing = built.get(typeName);
    if (existing && !inline) return existing;
    const struct: StructSpec = { name: typeName, fields: [] };
    built.set(typeName, struct);
    struct.fields = fields.map(fieldOf);
    return struct;
  }

  function typeOf(type: string, inline: RawField[] | undefined): FieldType {
    if (type.startsWith('[]')) return { kind: 'array', element: typeOf(type.slice(2), inline) };
    if (PRIMITIVES.has(type)) return { kind: 'primitive', name: type as PrimitiveName };
    return { kind: 'struct', struct: structOf(type, inline) };
  }

  function fieldOf(f: RawField): FieldSpec {
    return {
      name: f.name,
      type: typeOf(f.type, f.fields),
      versions: parseRange(f.versions),
      nullableVersions: parseRange(f.nullableVersions),
      taggedVersions: parseRange(f.taggedVersions),
      tag: f.tag,
      default: f.default === undefined ? undefined : String(f.default),
      neverFlexible: f.flexibleVersions === 'none',
    };
  }

  return {
    name: raw.name,
    type: raw.type,
    apiKey: raw.apiKey,
    validVersions: parseRange(raw.validVersions),
    flexibleVersions: parseRange(raw.flexibleVersions),
    root: { name: raw.name, fields: raw.fields.map(fieldOf) },
  };
}

export function listMessageNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length));
}

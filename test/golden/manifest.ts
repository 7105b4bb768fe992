import { readFileSync, readdirSync } from 'node:fs';
import type { CodecName } from './golden-records.ts';

/** test/golden/fixtures/<client>/manifest.json, written by scripts/capture-golden.ts. */
export interface GoldenManifest {
  readonly client: string;
  readonly version: string;
  readonly fixtures: readonly ManifestEntry[];
}

export interface ManifestEntry {
  readonly file: string;
  readonly apiKey: number;
  readonly apiName: string;
  readonly apiVersion: number;
  /** The capture step that sent it (see test/golden/drivers/). */
  readonly step: string;
  /** Produce requests of a produce step: their batches hold goldenRecords(client, codec). */
  readonly produced?: { readonly topic: string; readonly codec: CodecName };
}

export const FIXTURES_DIR = new URL('./fixtures/', import.meta.url);

/** Every client's manifest, by directory name. */
export function loadManifests(): GoldenManifest[] {
  return readdirSync(FIXTURES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => JSON.parse(readFileSync(new URL(`${d.name}/manifest.json`, FIXTURES_DIR), 'utf8')) as GoldenManifest);
}

export function readFixture(client: string, file: string): Buffer {
  return readFileSync(new URL(`${client}/${file}`, FIXTURES_DIR));
}

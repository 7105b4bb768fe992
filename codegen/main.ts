/**
 * Generates src/protocol/messages/generated/ from ../shared/kafka-protocol/messages/*.json.
 *   node codegen/main.ts          write the files
 *   node codegen/main.ts --check  fail (exit 1) if the committed files differ from a fresh generation
 * Spec directory: $KAFKA_MESSAGES_DIR, else ../shared/kafka-protocol/messages beside the repository.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_TABLE, DATA_TABLE, HEADER_TABLE } from './api-table.ts';
import { emitApiKeys, emitErrorCodes, emitIndex, fileNameOf, type ApiEntry } from './emit-index.ts';
import { emitMessage } from './emit-message.ts';
import { loadMessage, type MessageSpec } from './spec.ts';
import type { Span } from './types.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const specDir = process.env['KAFKA_MESSAGES_DIR'] ?? resolve(root, '../shared/kafka-protocol/messages');
const outDir = join(root, 'src/protocol/messages/generated');

function spanOf(msg: MessageSpec, min: number, max: number): Span {
  if (min < msg.validVersions.min || max > msg.validVersions.max) {
    throw new Error(`${msg.name}: versions ${min}-${max} are outside its validVersions ${msg.validVersions.min}-${msg.validVersions.max}`);
  }
  return { lo: min, hi: max };
}

function generate(): Map<string, string> {
  const files = new Map<string, string>();
  const modules: string[] = [];
  const add = (msg: MessageSpec, span: Span): void => {
    const name = fileNameOf(msg);
    files.set(`${name}.ts`, emitMessage(msg, span));
    modules.push(name);
  };
  const apis: ApiEntry[] = [];
  for (const [name, min, max] of API_TABLE) {
    const request = loadMessage(specDir, `${name}Request`);
    const response = loadMessage(specDir, `${name}Response`);
    const span = spanOf(request, min, max);
    spanOf(response, min, max);
    add(request, span);
    add(response, span);
    const flex = request.flexibleVersions;
    apis.push({ name, key: request.apiKey!, span, flexibleMin: flex.min <= flex.max && flex.min <= max ? Math.max(flex.min, min) : -1 });
  }
  for (const [name, min, max] of [...HEADER_TABLE, ...DATA_TABLE]) {
    const msg = loadMessage(specDir, name);
    add(msg, spanOf(msg, min, max));
  }
  files.set('api-keys.ts', emitApiKeys(apis));
  files.set('error-codes.ts', emitErrorCodes(readErrorCodes()));
  files.set('index.ts', emitIndex([...modules, 'api-keys', 'error-codes']));
  return files;
}

function readErrorCodes(): Array<{ code: number; name: string; retriable: boolean }> {
  const text = readFileSync(join(root, 'codegen/data/error-codes.tsv'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const [code, name, retriable] = line.split('\t');
      return { code: Number(code), name: name!, retriable: retriable === 'true' };
    });
}

function main(): number {
  if (!existsSync(specDir)) {
    console.error(`codegen: message definitions not found at ${specDir} (set KAFKA_MESSAGES_DIR)`);
    return 2;
  }
  const files = generate();
  if (process.argv.includes('--check')) {
    const onDisk = existsSync(outDir) ? readdirSync(outDir) : [];
    const problems: string[] = [];
    for (const [name, text] of files) {
      const path = join(outDir, name);
      if (!existsSync(path)) problems.push(`missing: ${name}`);
      else if (readFileSync(path, 'utf8') !== text) problems.push(`differs: ${name}`);
    }
    for (const name of onDisk) if (!files.has(name)) problems.push(`stale: ${name}`);
    if (problems.length > 0) {
      console.error(`codegen: generated code is out of date (run npm run gen):\n  ${problems.join('\n  ')}`);
      return 1;
    }
    console.log(`codegen: ${files.size} generated files are up to date`);
    return 0;
  }
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const [name, text] of files) writeFileSync(join(outDir, name), text);
  console.log(`codegen: wrote ${files.size} files to ${outDir}`);
  return 0;
}

process.exitCode = main();

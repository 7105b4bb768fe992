/**
 * `npm run bench`: runs every bench module in bench/ (a .ts file exporting `run()`), prints its
 * tables and writes bench/results/latest.json and latest.md with the machine they ran on, so numbers
 * are never quoted without their context.
 *
 *   npm run bench                     every module
 *   npm run bench -- codec-records    only modules whose file name contains one of the arguments
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Cell, RunResult, Row, Table } from './harness.ts';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
/** Files in bench/ that are infrastructure, not benchmarks. */
const NOT_MODULES = new Set(['main.ts', 'harness.ts']);

interface ModuleResult {
  readonly module: string;
  readonly tables: readonly Table[];
  readonly error?: string;
  readonly durationMs: number;
}

function machine(): Record<string, string | number> {
  const cpus = os.cpus();
  const info: Record<string, string | number> = {
    date: new Date().toISOString(),
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
  try {
    info['commit'] = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: 'pipe' }).trim();
  } catch {
    // No git, or no commit yet: the date identifies the run.
  }
  return info;
}

function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && 'rows' in value && Array.isArray(value.rows);
}

/** Normalises whatever `run()` returned into titled tables. */
function toTables(moduleName: string, result: RunResult): Table[] {
  if (result === undefined) return [];
  if (isTable(result)) return [result];
  if (result.length === 0) return [];
  if (result.every(isTable)) return [...(result as readonly Table[])];
  return [{ title: moduleName, rows: result as readonly Row[] }];
}

function formatCell(value: Cell | undefined): string {
  if (value === undefined) return '';
  if (typeof value !== 'number') return String(value);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  // Three significant digits is as much as run-to-run noise allows.
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3);
}

/** A Markdown table, padded so it also reads well on a terminal. */
function renderTable(table: Table): string {
  const columns = [...new Set(table.rows.flatMap((row) => Object.keys(row)))];
  const cells = table.rows.map((row) => columns.map((c) => formatCell(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, 3, ...cells.map((r) => r[i]?.length ?? 0)));
  const numeric = columns.map((c) => table.rows.every((row) => row[c] === undefined || typeof row[c] !== 'string'));
  const line = (values: readonly string[]) =>
    '| ' + values.map((v, i) => (numeric[i] === true ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0))).join(' | ') + ' |';
  const rule = '| ' + widths.map((w, i) => (numeric[i] === true ? '-'.repeat(w - 1) + ':' : '-'.repeat(w))).join(' | ') + ' |';
  return [`### ${table.title}`, '', line(columns), rule, ...cells.map(line)].join('\n') + '\n';
}

function renderMarkdown(info: Record<string, string | number>, results: readonly ModuleResult[]): string {
  const header = ['# Benchmark results', '', ...Object.entries(info).map(([k, v]) => `- ${k}: ${v}`), ''];
  const body = results.flatMap((r) => [
    `## ${r.module} (${(r.durationMs / 1000).toFixed(1)} s)`,
    '',
    ...(r.error === undefined ? [] : ['```', r.error, '```', '']),
    ...r.tables.map(renderTable),
  ]);
  return [...header, ...body].join('\n');
}

/** Write to a temporary name, then rename, so an interrupted run never leaves half a file. */
function writeAtomic(name: string, text: string): void {
  const path = `${RESULTS_DIR}${name}`;
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

async function main(filters: readonly string[]): Promise<number> {
  const files = readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !NOT_MODULES.has(f))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();

  const info = machine();
  console.log(Object.entries(info).map(([k, v]) => `${k}: ${v}`).join('\n') + '\n');

  const results: ModuleResult[] = [];
  for (const file of files) {
    const mod: unknown = await import(pathToFileURL(`${BENCH_DIR}${file}`).href);
    if (typeof mod !== 'object' || mod === null || !('run' in mod) || typeof mod.run !== 'function') continue;
    const name = file.replace(/\.ts$/, '');
    console.log(`## ${name}`);
    const started = performance.now();
    try {
      const tables = toTables(name, (await (mod.run as () => unknown)()) as RunResult);
      results.push({ module: name, tables, durationMs: performance.now() - started });
      for (const t of tables) console.log(renderTable(t));
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.error(`bench ${name} failed: ${message}\n`);
      results.push({ module: name, tables: [], error: message, durationMs: performance.now() - started });
    }
  }
  if (results.length === 0) console.log('No bench modules found (bench/*.ts exporting run()).');

  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = JSON.stringify({ machine: info, results }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
  writeAtomic('latest.json', json + '\n');
  writeAtomic('latest.md', renderMarkdown(info, results));
  console.log('Wrote bench/results/latest.json and bench/results/latest.md');
  return results.some((r) => r.error !== undefined) ? 1 : 0;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));

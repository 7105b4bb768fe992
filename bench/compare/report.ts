import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SYSTEM_LABELS, summarize, type Figure, type System } from './figures.ts';
import type { Plan } from './plan.ts';

/**
 * The Markdown report: one row per figure and Gregor variant, Kafka's median and range beside
 * Gregor's, and the ratio Gregor/Kafka of the medians.
 */

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function cell(figure: Figure, system: System): string {
  const s = summarize(figure.samples[system] ?? []);
  if (s === undefined) return figure.errors[system] === undefined ? '—' : 'failed';
  return s.n === 1 ? fmt(s.median) : `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}

export function ratio(figure: Figure, system: System): number | undefined {
  const g = summarize(figure.samples[system] ?? []);
  const k = summarize(figure.samples.kafka ?? []);
  if (g === undefined || k === undefined || k.median === 0) return undefined;
  return g.median / k.median;
}

/** A ratio of two figures that are both within a few reporting steps of zero says nothing. */
function ratioCell(figure: Figure, system: System): string {
  const r = ratio(figure, system);
  const step = figure.resolution;
  const g = summarize(figure.samples[system] ?? [])?.median;
  const k = summarize(figure.samples.kafka ?? [])?.median;
  if (step !== undefined && g !== undefined && k !== undefined && Math.max(g, k) < 3 * step) return `n/a (${step} ${figure.unit} steps)`;
  if (r === undefined) return k === 0 && g !== undefined ? `n/a (Kafka 0)` : '—';
  return r.toFixed(2);
}

export function renderFigures(figures: readonly Figure[]): string {
  const lines = [
    '| figure | unit | better | Kafka | Gregor variant | Gregor | Gregor/Kafka |',
    '| --- | --- | --- | --: | --- | --: | --: |',
  ];
  for (const f of figures) {
    const variants = (['gregor', 'gregor-noflush'] as const).filter((s) => f.samples[s] !== undefined || f.errors[s] !== undefined);
    if (variants.length === 0) variants.push('gregor');
    for (const v of variants) {
      const variant = v === 'gregor' ? (f.id.includes('acks=all') ? 'fsync on acks=all (default)' : 'default') : 'flush.on.ack.all=false';
      lines.push(`| ${f.id} | ${f.unit} | ${f.better} | ${cell(f, 'kafka')} | ${variant} | ${cell(f, v)} | ${ratioCell(f, v)} |`);
    }
  }
  const errors = figures.flatMap((f) => Object.entries(f.errors).map(([s, e]) => `- ${f.id} on ${SYSTEM_LABELS[s as System]}: ${e.split('\n')[0] ?? ''}`));
  return lines.join('\n') + '\n' + (errors.length > 0 ? `\nFailed:\n${errors.join('\n')}\n` : '');
}

/** What main.ts writes to compare-latest.json, and all the Markdown is made from. */
export interface CompareReport {
  readonly mode: string;
  readonly plan: Plan;
  readonly latencyRate: number;
  readonly totalSeconds: number;
  readonly phaseSeconds: Readonly<Record<string, number>>;
  readonly machine: Readonly<Record<string, string | number>>;
  readonly figures: readonly Figure[];
  /** The librdkafka generator against its in-process mock cluster, per figure id: records/s of each measured run. */
  readonly ceilings?: Readonly<Record<string, readonly number[]>>;
}

/** The generator's ceiling beside what each broker let it reach. */
function renderCeilings(report: CompareReport): string {
  const entries = Object.entries(report.ceilings ?? {});
  if (entries.length === 0) return '';
  const lines = [
    '## Load generator ceiling',
    '',
    'rdkafka-load against librdkafka\'s in-process mock cluster (acknowledges from memory), and the share of it each broker let the same generator reach.',
    '',
    '| figure | mock cluster | Kafka | Gregor |',
    '| --- | --: | --: | --: |',
  ];
  for (const [id, rates] of entries) {
    const ceiling = summarize(rates);
    if (ceiling === undefined) continue;
    const figure = report.figures.find((f) => f.id === id);
    const share = (system: System): string => {
      const s = summarize(figure?.samples[system] ?? []);
      return s === undefined ? '—' : `${fmt(s.median)} (${Math.round((100 * s.median) / ceiling.median)} %)`;
    };
    const range = ceiling.n === 1 ? fmt(ceiling.median) : `${fmt(ceiling.median)} (${fmt(ceiling.min)}–${fmt(ceiling.max)})`;
    lines.push(`| ${id} | ${range} | ${share('kafka')} | ${share('gregor')} |`);
  }
  return lines.join('\n') + '\n';
}

export function renderReport(report: CompareReport): string {
  const phases = Object.entries(report.phaseSeconds).map(([k, v]) => `${k} ${v} s`).join('; ');
  return [
    `# Gregor vs Apache Kafka (${report.mode} run)`,
    '',
    ...Object.entries(report.machine).map(([k, v]) => `- ${k}: ${v}`),
    `- run took: ${Math.round(report.totalSeconds / 60)} min (${phases})`,
    '',
    readFileSync(new URL('./method.md', import.meta.url), 'utf8').trim(),
    '',
    `Runs per figure: ${report.plan.runs} measured after one warm-up; cells are median (min–max). Latency load: ${report.latencyRate} records/s.`,
    '',
    renderFigures(report.figures),
    renderCeilings(report),
  ].join('\n');
}

// `node bench/compare/report.ts`: re-renders compare-latest.md from compare-latest.json (after a change to this file or method.md).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = new URL('../results/', import.meta.url);
  const report = JSON.parse(readFileSync(new URL('compare-latest.json', dir), 'utf8')) as CompareReport;
  writeFileSync(new URL('compare-latest.md', dir), renderReport(report));
}

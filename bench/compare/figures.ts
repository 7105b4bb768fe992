/**
 * The collected figures: every sample of every run, kept whole so the JSON shows the spread and the
 * report can recompute medians.
 */

/** Which broker a sample came from; Gregor runs twice, with and without fsync on acks=all. */
export const SYSTEMS = ['kafka', 'gregor', 'gregor-noflush'] as const;
export type System = (typeof SYSTEMS)[number];

export const SYSTEM_LABELS: Readonly<Record<System, string>> = {
  kafka: 'Kafka',
  gregor: 'Gregor',
  'gregor-noflush': 'Gregor (flush.on.ack.all=false)',
};

export interface Figure {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  /** Which way is better, so a reader knows whether a ratio above 1 is good news for Gregor. */
  readonly better: 'higher' | 'lower';
  /** The smallest step the tool reports (EndToEndLatency and ProducerPerformance give whole ms). */
  resolution?: number;
  readonly samples: Partial<Record<System, number[]>>;
  /** Why a system has no samples for this figure (a failed run), by system. */
  readonly errors: Partial<Record<System, string>>;
}

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

export function summarize(values: readonly number[]): Summary | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
  return { median, min: sorted[0] ?? NaN, max: sorted[sorted.length - 1] ?? NaN, n: sorted.length };
}

export class Figures {
  readonly all: Figure[] = [];

  private get(id: string, title: string, unit: string, better: 'higher' | 'lower'): Figure {
    let figure = this.all.find((f) => f.id === id);
    if (figure === undefined) {
      figure = { id, title, unit, better, samples: {}, errors: {} };
      this.all.push(figure);
    }
    return figure;
  }

  add(system: System, id: string, title: string, unit: string, better: 'higher' | 'lower', value: number): void {
    const figure = this.get(id, title, unit, better);
    (figure.samples[system] ??= []).push(value);
  }

  fail(system: System, id: string, title: string, unit: string, better: 'higher' | 'lower', error: string): void {
    this.get(id, title, unit, better).errors[system] = error;
  }

  /** Marks a figure as reported in steps of `step`, so the report does not divide one rounding by another. */
  setResolution(id: string, step: number): void {
    const figure = this.all.find((f) => f.id === id);
    if (figure !== undefined) figure.resolution = step;
  }

  median(system: System, id: string): number | undefined {
    return summarize(this.all.find((f) => f.id === id)?.samples[system] ?? [])?.median;
  }
}

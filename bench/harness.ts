/**
 * Shared shapes and a timing helper for bench modules. A bench module is any bench/*.ts file that
 * exports `run()`; bench/main.ts finds it, calls it and records what it returns.
 */

export type Cell = string | number | bigint | boolean;
export type Row = Readonly<Record<string, Cell>>;

export interface Table {
  readonly title: string;
  readonly rows: readonly Row[];
}

/** What `run()` may return: one table, several, bare rows (titled by the module), or nothing. */
export type RunResult = Table | readonly Table[] | readonly Row[] | undefined | void;

export interface BenchModule {
  run(): RunResult | Promise<RunResult>;
}

export interface MeasureOptions {
  /** Keep calling until this much time has passed (after warm-up). Default 1000 ms. */
  readonly durationMs?: number;
  /** Untimed calls first, so the JIT has settled before timing starts. Default 50. */
  readonly warmup?: number;
  /** Bytes one call processes; adds a MB/s column. */
  readonly bytesPerOp?: number;
}

/**
 * Calls `fn` repeatedly for a fixed time and reports throughput. Time-bounded rather than
 * count-bounded so a slow case cannot stretch the run on the 2-core machines.
 */
export function measure(name: string, fn: () => unknown, options: MeasureOptions = {}): Row {
  const durationNs = BigInt(Math.round((options.durationMs ?? 1000) * 1e6));
  for (let i = 0; i < (options.warmup ?? 50); i++) fn();
  let ops = 0;
  // Check the clock every `batch` calls so reading it does not dominate very cheap functions.
  let batch = 1;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < durationNs) {
    for (let i = 0; i < batch; i++) fn();
    ops += batch;
    elapsed = process.hrtime.bigint() - start;
    if (elapsed < durationNs / 100n) batch *= 2;
  }
  const seconds = Number(elapsed) / 1e9;
  const row: Record<string, Cell> = {
    case: name,
    'ops/s': Math.round(ops / seconds),
    'µs/op': (seconds * 1e6) / ops,
  };
  if (options.bytesPerOp !== undefined) row['MB/s'] = (ops * options.bytesPerOp) / seconds / 1e6;
  return row;
}

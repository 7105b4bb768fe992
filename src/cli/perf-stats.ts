/**
 * Latency and rate bookkeeping for `gregor perf produce`, after Kafka's ProducerPerformance.Stats:
 * every record's latency feeds the totals and the current reporting window; a sample of them
 * (one in `sampling`, at most ~500k kept) gives the percentiles.
 */
export class PerfStats {
  readonly #start = performance.now();
  readonly #sampling: number;
  readonly #samples: Float64Array;
  #sampleCount = 0;
  #iteration = 0;
  count = 0;
  bytes = 0;
  #maxLatency = 0;
  #totalLatency = 0;
  #windowStart = performance.now();
  #windowCount = 0;
  #windowBytes = 0;
  #windowMaxLatency = 0;
  #windowTotalLatency = 0;

  constructor(numRecords: number) {
    this.#sampling = Math.max(1, Math.floor(numRecords / 500_000));
    this.#samples = new Float64Array(Math.ceil(numRecords / this.#sampling) + 1);
  }

  record(latencyMs: number, bytes: number): void {
    this.count++;
    this.bytes += bytes;
    this.#totalLatency += latencyMs;
    this.#maxLatency = Math.max(this.#maxLatency, latencyMs);
    this.#windowCount++;
    this.#windowBytes += bytes;
    this.#windowTotalLatency += latencyMs;
    this.#windowMaxLatency = Math.max(this.#windowMaxLatency, latencyMs);
    if (this.#iteration++ % this.#sampling === 0 && this.#sampleCount < this.#samples.length) this.#samples[this.#sampleCount++] = latencyMs;
  }

  /** Kafka's window line: `N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency.` — then starts a new window. */
  windowLine(): string {
    const seconds = (performance.now() - this.#windowStart) / 1000;
    const line =
      `${this.#windowCount} records sent, ${rate(this.#windowCount, seconds).toFixed(1)} records/sec ` +
      `(${(rate(this.#windowBytes, seconds) / 1024 / 1024).toFixed(2)} MB/sec), ` +
      `${(this.#windowCount === 0 ? 0 : this.#windowTotalLatency / this.#windowCount).toFixed(1)} ms avg latency, ` +
      `${this.#windowMaxLatency.toFixed(1)} ms max latency.`;
    this.#windowStart = performance.now();
    this.#windowCount = 0;
    this.#windowBytes = 0;
    this.#windowTotalLatency = 0;
    this.#windowMaxLatency = 0;
    return line;
  }

  /** Kafka's final line, percentiles in whole ms as ProducerPerformance prints them. */
  summaryLine(): string {
    const seconds = (performance.now() - this.#start) / 1000;
    const sorted = this.#samples.slice(0, this.#sampleCount).sort();
    const pct = (p: number): number => (sorted.length === 0 ? 0 : Math.trunc(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!));
    return (
      `${this.count} records sent, ${rate(this.count, seconds).toFixed(6)} records/sec ` +
      `(${(rate(this.bytes, seconds) / 1024 / 1024).toFixed(2)} MB/sec), ` +
      `${(this.count === 0 ? 0 : this.#totalLatency / this.count).toFixed(2)} ms avg latency, ${this.#maxLatency.toFixed(2)} ms max latency, ` +
      `${pct(0.5)} ms 50th, ${pct(0.95)} ms 95th, ${pct(0.99)} ms 99th, ${pct(0.999)} ms 99.9th.`
    );
  }
}

function rate(n: number, seconds: number): number {
  return seconds <= 0 ? 0 : n / seconds;
}

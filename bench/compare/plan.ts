/**
 * Sizes of a run. Full counts are chosen so one max-rate produce run takes roughly 5-10 s on the
 * 2-core benchmark box (Gregor at ~250k records/s of 100 B and ~40k records/s of 1 KiB); --quick is
 * a smoke run with one measured run per figure.
 */
export interface Plan {
  readonly name: 'full' | 'quick';
  /** Measured runs per figure, after one warm-up run. */
  readonly runs: number;
  readonly records100B: number;
  readonly records1KiB: number;
  /** Records per run for the librdkafka generator, which sends several times faster than ProducerPerformance. */
  readonly rdkafkaRecords100B: number;
  readonly rdkafkaRecords1KiB: number;
  /** The consume backlog, in MiB of 1 KiB records. */
  readonly backlogMiB: number;
  readonly latencyLoadSeconds: number;
  readonly probeRecords: number;
  readonly startupRuns: number;
  readonly toolTimeoutMs: number;
}

export const FULL: Plan = {
  name: 'full',
  runs: 3,
  records100B: 1_500_000,
  records1KiB: 300_000,
  rdkafkaRecords100B: 6_000_000,
  rdkafkaRecords1KiB: 1_000_000,
  backlogMiB: 1024,
  latencyLoadSeconds: 25,
  probeRecords: 4_000,
  startupRuns: 3,
  toolTimeoutMs: 180_000,
};

export const QUICK: Plan = {
  name: 'quick',
  runs: 1,
  records100B: 200_000,
  records1KiB: 40_000,
  rdkafkaRecords100B: 600_000,
  rdkafkaRecords1KiB: 100_000,
  backlogMiB: 64,
  latencyLoadSeconds: 6,
  probeRecords: 400,
  startupRuns: 1,
  toolTimeoutMs: 120_000,
};

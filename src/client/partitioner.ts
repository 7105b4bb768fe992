/**
 * Java's default partitioning (BuiltInPartitioner / Utils.murmur2): a keyed record goes to
 * toPositive(murmur2(key)) % partitions, so the same key lands on the same partition whichever
 * client wrote it. Keyless records stick to one partition until a batch for it is closed, then
 * move to another at random (KIP-480), which fills batches instead of spraying one record each.
 */

/** Kafka's murmur2 (Utils.murmur2): seed 0x9747b28c, 32-bit signed arithmetic, little-endian words. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ length) | 0;
  const words = length >>> 2;
  for (let i = 0; i < words; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  // The tail bytes, as Java's fall-through switch on length % 4.
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Utils.toPositive: clears the sign bit (not Math.abs, which is wrong for INT_MIN). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition Java's producer picks for a key. */
export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  return toPositive(murmur2(key)) % numPartitions;
}

export interface PartitionerInput {
  topic: string;
  key: Buffer | null;
  numPartitions: number;
  /** Partitions that currently have a leader; keyless records prefer these. */
  availablePartitions: readonly number[];
}

export interface Partitioner {
  partition(input: PartitionerInput): number;
  /** Called when the batch a keyless record would join is closed (KIP-480's onNewBatch). */
  onNewBatch?(topic: string, closedPartition: number): void;
}

/** The default partitioner: murmur2 for keys, sticky partitions for keyless records. */
export class DefaultPartitioner implements Partitioner {
  readonly #sticky = new Map<string, number>();
  readonly #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  partition(input: PartitionerInput): number {
    if (input.key !== null) return partitionForKey(input.key, input.numPartitions);
    const current = this.#sticky.get(input.topic);
    if (current !== undefined && current < input.numPartitions) return current;
    return this.#choose(input.topic, input.numPartitions, input.availablePartitions);
  }

  onNewBatch(topic: string, closedPartition: number): void {
    if (this.#sticky.get(topic) !== closedPartition) return;
    this.#sticky.delete(topic);
    this.#lastClosed.set(topic, closedPartition);
  }

  readonly #lastClosed = new Map<string, number>();

  /** A random partition (leader available if possible) other than the one whose batch just closed. */
  #choose(topic: string, numPartitions: number, available: readonly number[]): number {
    const previous = this.#lastClosed.get(topic) ?? -1;
    const pool = (available.length > 0 ? available : Array.from({ length: numPartitions }, (_, i) => i)).filter(
      (p) => p !== previous || numPartitions === 1,
    );
    const choices = pool.length > 0 ? pool : [0];
    const chosen = choices[Math.floor(this.#random() * choices.length)]!;
    this.#sticky.set(topic, chosen);
    return chosen;
  }
}

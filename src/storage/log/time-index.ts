import { readAt, truncateFile, writevAll } from './fs-io.ts';

/**
 * Sparse time index of one segment, Kafka's `TimeIndex` format: 12-byte entries of (int64 largest
 * timestamp so far, int32 relative offset of the batch that reached it). Entries grow strictly in
 * timestamp, so a binary search finds where to start looking for the first record at or after a time.
 * Kept in memory and persisted like the offset index (see offset-index.ts for why that is safe).
 */
export const TIME_INDEX_ENTRY_SIZE = 12;

export class TimeIndex {
  readonly maxEntries: number;
  #ts: Float64Array;
  #rel: Int32Array;
  #count = 0;
  #persisted = 0;
  #fileEntries = 0;

  constructor(maxIndexBytes: number) {
    this.maxEntries = Math.max(1, Math.floor(maxIndexBytes / TIME_INDEX_ENTRY_SIZE));
    const initial = Math.min(this.maxEntries, 64);
    this.#ts = new Float64Array(initial);
    this.#rel = new Int32Array(initial);
  }

  get entries(): number {
    return this.#count;
  }

  isFull(): boolean {
    return this.#count >= this.maxEntries;
  }

  last(): { timestamp: number; relOffset: number } | undefined {
    if (this.#count === 0) return undefined;
    return { timestamp: this.#ts[this.#count - 1]!, relOffset: this.#rel[this.#count - 1]! };
  }

  /**
   * Kafka's `maybeAppend`: only a strictly larger timestamp at a not-smaller offset is recorded.
   * `force` ignores the full check, as Kafka does for the final entry written when a segment rolls.
   */
  maybeAppend(timestamp: number, relOffset: number, force = false): void {
    if (this.#count > 0 && (timestamp <= this.#ts[this.#count - 1]! || relOffset < this.#rel[this.#count - 1]!)) return;
    if (this.#count >= this.maxEntries && !force) return;
    if (this.#count === this.#ts.length) {
      const size = this.#ts.length * 2;
      const ts = new Float64Array(size);
      ts.set(this.#ts);
      const rel = new Int32Array(size);
      rel.set(this.#rel);
      this.#ts = ts;
      this.#rel = rel;
    }
    this.#ts[this.#count] = timestamp;
    this.#rel[this.#count] = relOffset;
    this.#count++;
  }

  /**
   * Relative offset of the greatest entry with timestamp strictly below `target`, or -1. Every record
   * up to that offset is older than `target`, so the search for the first record >= target starts there.
   */
  lowerRelOffset(target: number): number {
    let lo = 0;
    let hi = this.#count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#ts[mid]! < target) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? -1 : this.#rel[found]!;
  }

  /** Drops entries whose offset is at or after `relOffset` (the log was truncated there). */
  truncateToRelOffset(relOffset: number): void {
    let n = this.#count;
    while (n > 0 && this.#rel[n - 1]! >= relOffset) n--;
    this.#count = n;
    this.#persisted = Math.min(this.#persisted, n);
  }

  clear(): void {
    this.#count = 0;
    this.#persisted = 0;
  }

  isDirty(): boolean {
    return this.#persisted !== this.#count || this.#fileEntries !== this.#count;
  }

  async persist(fd: number): Promise<void> {
    const from = this.#persisted;
    const to = this.#count;
    if (to > from) {
      const buf = Buffer.allocUnsafe((to - from) * TIME_INDEX_ENTRY_SIZE);
      for (let i = from; i < to; i++) {
        buf.writeBigInt64BE(BigInt(this.#ts[i]!), (i - from) * TIME_INDEX_ENTRY_SIZE);
        buf.writeInt32BE(this.#rel[i]!, (i - from) * TIME_INDEX_ENTRY_SIZE + 8);
      }
      await writevAll(fd, [buf], from * TIME_INDEX_ENTRY_SIZE);
    }
    if (this.#fileEntries > to) await truncateFile(fd, to * TIME_INDEX_ENTRY_SIZE);
    this.#persisted = to;
    this.#fileEntries = to;
  }

  /** Loads entries; false (index left empty) when the file is not whole, monotonic entries inside `maxRelOffset`. */
  async load(fd: number, fileBytes: number, maxRelOffset: number): Promise<boolean> {
    this.clear();
    if (fileBytes % TIME_INDEX_ENTRY_SIZE !== 0) return false;
    const n = fileBytes / TIME_INDEX_ENTRY_SIZE;
    const buf = await readAt(fd, 0, fileBytes);
    if (buf.length !== fileBytes) return false;
    for (let i = 0; i < n; i++) {
      const ts = Number(buf.readBigInt64BE(i * TIME_INDEX_ENTRY_SIZE));
      const rel = buf.readInt32BE(i * TIME_INDEX_ENTRY_SIZE + 8);
      if (rel < 0 || rel > maxRelOffset) return this.#reject();
      if (i > 0 && (ts <= this.#ts[this.#count - 1]! || rel < this.#rel[this.#count - 1]!)) return this.#reject();
      this.maybeAppend(ts, rel, true);
    }
    this.#persisted = this.#count;
    this.#fileEntries = this.#count;
    return true;
  }

  markFileStale(fileBytes: number): void {
    this.#persisted = 0;
    this.#fileEntries = Math.ceil(fileBytes / TIME_INDEX_ENTRY_SIZE) + 1;
  }

  #reject(): false {
    this.clear();
    return false;
  }
}

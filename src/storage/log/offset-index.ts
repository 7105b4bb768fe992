import { readAt, truncateFile, writevAll } from './fs-io.ts';

/**
 * Sparse offset index of one segment, Kafka's `OffsetIndex` format: 8-byte entries of (int32 offset
 * relative to the segment base, int32 byte position in the `.log`). An entry names a batch: its last
 * offset and where it starts (`LogSegment.append`/`recover`). Lookups find the greatest entry at or
 * below a target, then the log is scanned forward from there.
 *
 * Node has no mmap, so entries live in memory and reach the file on `persist` (segment flush, roll,
 * close). That is safe because recovery rebuilds the index of every segment after the recovery point,
 * and the recovery point only passes a segment once its index has been persisted and fsynced.
 */
export const OFFSET_INDEX_ENTRY_SIZE = 8;

export class OffsetIndex {
  readonly maxEntries: number;
  #rel: Int32Array;
  #pos: Int32Array;
  #count = 0;
  /** Entries [0, persisted) are on disk as they are in memory. */
  #persisted = 0;
  #fileEntries = 0;

  constructor(maxIndexBytes: number) {
    this.maxEntries = Math.max(1, Math.floor(maxIndexBytes / OFFSET_INDEX_ENTRY_SIZE));
    const initial = Math.min(this.maxEntries, 64);
    this.#rel = new Int32Array(initial);
    this.#pos = new Int32Array(initial);
  }

  get entries(): number {
    return this.#count;
  }

  isFull(): boolean {
    return this.#count >= this.maxEntries;
  }

  relOffsetAt(i: number): number {
    return this.#rel[i]!;
  }

  positionAt(i: number): number {
    return this.#pos[i]!;
  }

  lastPosition(): number {
    return this.#count === 0 ? 0 : this.#pos[this.#count - 1]!;
  }

  /** Adds an entry; ignored unless both fields grow, which keeps binary search valid whatever the caller does. */
  append(relOffset: number, position: number): void {
    if (this.#count > 0 && (relOffset <= this.#rel[this.#count - 1]! || position <= this.#pos[this.#count - 1]!)) return;
    if (this.#count >= this.maxEntries) return;
    if (this.#count === this.#rel.length) {
      const size = Math.min(this.maxEntries, this.#rel.length * 2);
      const rel = new Int32Array(size);
      rel.set(this.#rel);
      const pos = new Int32Array(size);
      pos.set(this.#pos);
      this.#rel = rel;
      this.#pos = pos;
    }
    this.#rel[this.#count] = relOffset;
    this.#pos[this.#count] = position;
    this.#count++;
  }

  /** Index of the greatest entry with relative offset <= target, or -1. */
  floorEntry(relTarget: number): number {
    let lo = 0;
    let hi = this.#count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#rel[mid]! <= relTarget) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** Position to start scanning for the batch holding `relTarget`: the floor entry's batch, or the file start. */
  lookupPosition(relTarget: number): number {
    const i = this.floorEntry(relTarget);
    return i < 0 ? 0 : this.#pos[i]!;
  }

  /** Drops entries for batches at or after byte `position` (the log was truncated there). */
  truncateToPosition(position: number): void {
    let n = this.#count;
    while (n > 0 && this.#pos[n - 1]! >= position) n--;
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

  /** Brings the file up to date with memory: appends new entries, cuts entries that were truncated away. */
  async persist(fd: number): Promise<void> {
    const from = this.#persisted;
    const to = this.#count;
    if (to > from) {
      const buf = Buffer.allocUnsafe((to - from) * OFFSET_INDEX_ENTRY_SIZE);
      for (let i = from; i < to; i++) {
        buf.writeInt32BE(this.#rel[i]!, (i - from) * OFFSET_INDEX_ENTRY_SIZE);
        buf.writeInt32BE(this.#pos[i]!, (i - from) * OFFSET_INDEX_ENTRY_SIZE + 4);
      }
      await writevAll(fd, [buf], from * OFFSET_INDEX_ENTRY_SIZE);
    }
    if (this.#fileEntries > to) await truncateFile(fd, to * OFFSET_INDEX_ENTRY_SIZE);
    this.#persisted = to;
    this.#fileEntries = to;
  }

  /**
   * Loads entries from an index file; returns false (leaving the index empty) when the file fails
   * Kafka's sanity checks: whole entries, strictly increasing offsets and positions, positions inside
   * the log, offsets inside int32. The caller then rebuilds the index from the log.
   */
  async load(fd: number, fileBytes: number, logSize: number): Promise<boolean> {
    this.clear();
    if (fileBytes % OFFSET_INDEX_ENTRY_SIZE !== 0) return false;
    const n = fileBytes / OFFSET_INDEX_ENTRY_SIZE;
    if (n > this.maxEntries) return false;
    const buf = await readAt(fd, 0, fileBytes);
    if (buf.length !== fileBytes) return false;
    for (let i = 0; i < n; i++) {
      const rel = buf.readInt32BE(i * OFFSET_INDEX_ENTRY_SIZE);
      const pos = buf.readInt32BE(i * OFFSET_INDEX_ENTRY_SIZE + 4);
      if (rel < 0 || pos < 0 || pos >= logSize) return this.#reject();
      if (i > 0 && (rel <= this.#rel[this.#count - 1]! || pos <= this.#pos[this.#count - 1]!)) return this.#reject();
      this.append(rel, pos);
    }
    this.#persisted = this.#count;
    this.#fileEntries = this.#count;
    return true;
  }

  /** Forgets what the file holds, so the next persist rewrites it from the start (after a rebuild). */
  markFileStale(fileBytes: number): void {
    this.#persisted = 0;
    this.#fileEntries = Math.ceil(fileBytes / OFFSET_INDEX_ENTRY_SIZE) + 1;
  }

  #reject(): false {
    this.clear();
    return false;
  }
}

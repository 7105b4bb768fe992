import fs from 'node:fs';
import { closeFile, datasync, isNotFound, openFile, writeFileAtomic } from './fs-io.ts';

/**
 * A segment's transaction index (`<base>.txnindex`), after Kafka's `TransactionIndex` and
 * `AbortedTxn`: one entry per aborted transaction whose ABORT marker lies in the segment, in marker
 * order. Each entry is 34 bytes, big-endian: version int16 (0), producerId int64, firstOffset int64,
 * lastOffset int64 (the marker), lastStableOffset int64 (the LSO once the marker was applied).
 * read_committed Fetch answers `aborted_transactions` from these, so consumers can drop aborted
 * batches without reading markers ahead.
 *
 * Entries are kept in memory once loaded (they are few: one per abort). A torn tail entry (crash
 * mid-write) is dropped on load; entries lost to a crash after the marker was written are put back
 * by the producer-state scan (`ensure`), as Kafka's LogLoader rebuilds them past the recovery point.
 */
export interface AbortedTxn {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
  readonly lastStableOffset: bigint;
}

export const ABORTED_TXN_SIZE = 34;
const VERSION = 0;

export function encodeAbortedTxn(t: AbortedTxn, into = Buffer.alloc(ABORTED_TXN_SIZE), at = 0): Buffer {
  into.writeInt16BE(VERSION, at);
  into.writeBigInt64BE(t.producerId, at + 2);
  into.writeBigInt64BE(t.firstOffset, at + 10);
  into.writeBigInt64BE(t.lastOffset, at + 18);
  into.writeBigInt64BE(t.lastStableOffset, at + 26);
  return into;
}

export function decodeAbortedTxn(buf: Buffer, at = 0): AbortedTxn {
  return {
    producerId: buf.readBigInt64BE(at + 2),
    firstOffset: buf.readBigInt64BE(at + 10),
    lastOffset: buf.readBigInt64BE(at + 18),
    lastStableOffset: buf.readBigInt64BE(at + 26),
  };
}

/** The four stored fields, whatever else the caller's object carries. */
function only(t: AbortedTxn): AbortedTxn {
  return { producerId: t.producerId, firstOffset: t.firstOffset, lastOffset: t.lastOffset, lastStableOffset: t.lastStableOffset };
}

export class TxnIndex {
  #path: string;
  #entries: AbortedTxn[] | undefined;
  /** Serialises file writes (appends, rewrites) of this index. */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    this.#path = path;
  }

  get path(): string {
    return this.#path;
  }

  /** The file was renamed (segment rename: `.cleaned`, `.swap`, `.deleted`, plain). */
  setPath(path: string): void {
    this.#path = path;
  }

  /** Every entry, in marker order (loads the file the first time). */
  async entries(): Promise<readonly AbortedTxn[]> {
    if (this.#entries !== undefined) return this.#entries;
    let bytes: Buffer;
    try {
      bytes = await fs.promises.readFile(this.#path);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      bytes = Buffer.alloc(0);
    }
    const entries: AbortedTxn[] = [];
    for (let at = 0; at + ABORTED_TXN_SIZE <= bytes.length; at += ABORTED_TXN_SIZE) entries.push(decodeAbortedTxn(bytes, at));
    // Another load may have finished meanwhile; the first one wins.
    this.#entries ??= entries;
    if (bytes.length % ABORTED_TXN_SIZE !== 0) await this.#serial(() => this.#rewrite());
    return this.#entries;
  }

  /**
   * Appends an entry and fsyncs it. Like Kafka's TransactionIndex.append, entries must come in
   * marker order: one whose marker is not after the last entry's is refused.
   */
  async append(entry: AbortedTxn): Promise<void> {
    const t = only(entry);
    const entries = (await this.entries()) as AbortedTxn[];
    const last = entries.at(-1);
    if (last !== undefined && t.lastOffset <= last.lastOffset) {
      throw new Error(`txn index ${this.#path}: entry ending at ${t.lastOffset} is not after the last entry (${last.lastOffset})`);
    }
    entries.push(t);
    await this.#serial(() => this.#appendToFile(t));
  }

  /**
   * Adds the entry unless one for the same producer and marker is there (recovery after a crash
   * between the marker append and the index write). Returns whether it was missing.
   */
  async ensure(entry: AbortedTxn): Promise<boolean> {
    const t = only(entry);
    const entries = (await this.entries()) as AbortedTxn[];
    if (entries.some((e) => e.producerId === t.producerId && e.lastOffset === t.lastOffset)) return false;
    const at = entries.findIndex((e) => e.lastOffset > t.lastOffset);
    if (at < 0) {
      entries.push(t);
      await this.#serial(() => this.#appendToFile(t));
    } else {
      entries.splice(at, 0, t);
      await this.#serial(() => this.#rewrite());
    }
    return true;
  }

  /** Aborted transactions overlapping [fetchOffset, upperBound) (Kafka's collectAbortedTxns). */
  async collect(fetchOffset: bigint, upperBound: bigint): Promise<AbortedTxn[]> {
    const entries = await this.entries();
    return entries.filter((e) => e.lastOffset >= fetchOffset && e.firstOffset < upperBound);
  }

  /** Drops entries whose marker is at or after `offset` (Kafka's TransactionIndex.truncateTo). */
  async truncateTo(offset: bigint): Promise<void> {
    const entries = await this.entries();
    const kept = entries.filter((e) => e.lastOffset < offset);
    if (kept.length === entries.length) return;
    this.#entries = kept;
    await this.#serial(() => this.#rewrite());
  }

  /** Replaces every entry (the cleaner's output segment), writing the file when there are any. */
  async reset(entries: readonly AbortedTxn[]): Promise<void> {
    this.#entries = entries.map(only);
    await this.#serial(() => this.#rewrite());
  }

  async deleteFile(): Promise<void> {
    await this.#chain.catch(() => undefined);
    await fs.promises.rm(this.#path, { force: true });
  }

  /** Waits for pending writes (renames must not race them). */
  async idle(): Promise<void> {
    await this.#chain.catch(() => undefined);
  }

  #serial(write: () => Promise<void>): Promise<void> {
    const next = this.#chain.then(write);
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #appendToFile(t: AbortedTxn): Promise<void> {
    const fd = await openFile(this.#path, 'a');
    try {
      await new Promise<void>((resolve, reject) => fs.write(fd, encodeAbortedTxn(t), (err) => (err ? reject(err) : resolve())));
      await datasync(fd);
    } finally {
      await closeFile(fd);
    }
  }

  async #rewrite(): Promise<void> {
    const entries = this.#entries ?? [];
    if (entries.length === 0) {
      await fs.promises.rm(this.#path, { force: true });
      return;
    }
    const buf = Buffer.alloc(entries.length * ABORTED_TXN_SIZE);
    entries.forEach((e, i) => encodeAbortedTxn(e, buf, i * ABORTED_TXN_SIZE));
    await writeFileAtomic(this.#path, buf);
  }
}

/** What the aborted-transaction helpers need of a segment. */
interface SegmentWithTxnIndex {
  readonly baseOffset: number;
  readonly deleted: boolean;
  readonly txnIndex: TxnIndex;
}

/** The segment holding `offset`: the last one whose base offset is at or below it. */
export function segmentHolding<S extends SegmentWithTxnIndex>(segments: readonly S[], offset: bigint): S | undefined {
  let found: S | undefined;
  for (const s of segments) if (BigInt(s.baseOffset) <= offset) found = s;
  return found ?? segments[0];
}

/**
 * Aborted transactions overlapping [fetchOffset, upperBound), from the segment holding
 * `fetchOffset` on (Kafka's UnifiedLog.collectAbortedTransactions: an aborted transaction with
 * data at or after the fetch offset has its marker there or later).
 */
export async function collectAbortedTxns(segments: readonly SegmentWithTxnIndex[], fetchOffset: bigint, upperBound: bigint): Promise<AbortedTxn[]> {
  const start = segmentHolding(segments, fetchOffset);
  if (start === undefined) return [];
  const out: AbortedTxn[] = [];
  for (const s of segments.slice(segments.indexOf(start))) {
    if (s.deleted) continue;
    const entries = await s.txnIndex.entries();
    for (const e of entries) if (e.lastOffset >= fetchOffset && e.firstOffset < upperBound) out.push(e);
    // Kafka's TxnIndexSearchResult.isComplete: once a marker was written with the LSO past the
    // upper bound, every transaction with data below the bound had ended by then, so no later
    // segment can hold one of their markers.
    if (entries.some((e) => e.lastStableOffset > upperBound)) break;
  }
  return out;
}

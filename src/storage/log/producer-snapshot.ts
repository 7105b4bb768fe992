import fs from 'node:fs';
import path from 'node:path';
import { crc32c } from '../../protocol/wire/index.ts';
import { baseOffsetOfFile, offsetFileName } from './file-names.ts';
import { isNotFound, writeFileAtomic } from './fs-io.ts';

/**
 * Producer-state snapshots (`<offset>.snapshot` in the partition directory), in the format of
 * Kafka's ProducerStateManager.writeSnapshot (storage/src/main/resources/message/ProducerSnapshot.json,
 * version 1): version int16, crc uint32 (CRC-32C of everything after it), then an int32 count of
 * 46-byte entries: producerId int64, epoch int16, lastSequence int32, lastOffset int64, offsetDelta
 * int32, timestamp int64, coordinatorEpoch int32, currentTxnFirstOffset int64 (-1 when none).
 * The offset in the name is where replay resumes: the state covers every batch below it.
 */
export interface ProducerSnapshotEntry {
  readonly producerId: bigint;
  readonly epoch: number;
  /** -1 when the producer has no data batch (only markers). */
  readonly lastSequence: number;
  /** Last offset of the producer's last data batch; -1 when none. */
  readonly lastOffset: bigint;
  /** lastSequence - firstSequence of that batch (= its lastOffsetDelta). */
  readonly offsetDelta: number;
  readonly timestamp: bigint;
  readonly coordinatorEpoch: number;
  readonly currentTxnFirstOffset: bigint;
}

export const PRODUCER_SNAPSHOT_SUFFIX = '.snapshot';
const VERSION = 1;
const CRC_OFFSET = 2;
const ENTRIES_OFFSET = 6;
const ENTRY_SIZE = 46;

export function encodeProducerSnapshot(entries: readonly ProducerSnapshotEntry[]): Buffer {
  const buf = Buffer.alloc(ENTRIES_OFFSET + 4 + entries.length * ENTRY_SIZE);
  buf.writeInt16BE(VERSION, 0);
  buf.writeInt32BE(entries.length, ENTRIES_OFFSET);
  let at = ENTRIES_OFFSET + 4;
  for (const e of entries) {
    buf.writeBigInt64BE(e.producerId, at);
    buf.writeInt16BE(e.epoch, at + 8);
    buf.writeInt32BE(e.lastSequence, at + 10);
    buf.writeBigInt64BE(e.lastOffset, at + 14);
    buf.writeInt32BE(e.offsetDelta, at + 22);
    buf.writeBigInt64BE(e.timestamp, at + 26);
    buf.writeInt32BE(e.coordinatorEpoch, at + 34);
    buf.writeBigInt64BE(e.currentTxnFirstOffset, at + 38);
    at += ENTRY_SIZE;
  }
  buf.writeUInt32BE(crc32c(buf.subarray(ENTRIES_OFFSET)), CRC_OFFSET);
  return buf;
}

/** The entries, or undefined when the file is not a valid version-1 snapshot (Kafka's CorruptSnapshotException). */
export function decodeProducerSnapshot(buf: Buffer): ProducerSnapshotEntry[] | undefined {
  if (buf.length < ENTRIES_OFFSET + 4 || buf.readInt16BE(0) !== VERSION) return undefined;
  if (buf.readUInt32BE(CRC_OFFSET) !== crc32c(buf.subarray(ENTRIES_OFFSET))) return undefined;
  const count = buf.readInt32BE(ENTRIES_OFFSET);
  if (count < 0 || buf.length !== ENTRIES_OFFSET + 4 + count * ENTRY_SIZE) return undefined;
  const out: ProducerSnapshotEntry[] = [];
  for (let i = 0, at = ENTRIES_OFFSET + 4; i < count; i++, at += ENTRY_SIZE) {
    out.push({
      producerId: buf.readBigInt64BE(at),
      epoch: buf.readInt16BE(at + 8),
      lastSequence: buf.readInt32BE(at + 10),
      lastOffset: buf.readBigInt64BE(at + 14),
      offsetDelta: buf.readInt32BE(at + 22),
      timestamp: buf.readBigInt64BE(at + 26),
      coordinatorEpoch: buf.readInt32BE(at + 34),
      currentTxnFirstOffset: buf.readBigInt64BE(at + 38),
    });
  }
  return out;
}

async function snapshotOffsets(dir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
  const out: number[] = [];
  for (const n of names) {
    if (!n.endsWith(PRODUCER_SNAPSHOT_SUFFIX)) continue;
    const o = baseOffsetOfFile(n);
    if (o !== undefined) out.push(o);
  }
  return out.sort((a, b) => a - b);
}

/** Writes `<offset>.snapshot` atomically and durably, then removes older snapshots (Kafka keeps a few; one is enough here). */
export async function writeProducerSnapshot(dir: string, offset: bigint, entries: readonly ProducerSnapshotEntry[]): Promise<void> {
  await writeFileAtomic(path.join(dir, offsetFileName(Number(offset), PRODUCER_SNAPSHOT_SUFFIX)), encodeProducerSnapshot(entries));
  for (const o of await snapshotOffsets(dir)) {
    if (o !== Number(offset)) await fs.promises.rm(path.join(dir, offsetFileName(o, PRODUCER_SNAPSHOT_SUFFIX)), { force: true });
  }
}

/**
 * The newest valid snapshot whose offset lies in [minOffset, maxOffset] (the log start and end: a
 * snapshot past the log end describes truncated data, one before the log start deleted data).
 * Snapshots outside that range and corrupt ones are deleted, as Kafka's ProducerStateManager does.
 */
export async function readProducerSnapshot(dir: string, minOffset: bigint, maxOffset: bigint): Promise<{ offset: bigint; entries: ProducerSnapshotEntry[] } | undefined> {
  const offsets = await snapshotOffsets(dir);
  let found: { offset: bigint; entries: ProducerSnapshotEntry[] } | undefined;
  for (const o of offsets.reverse()) {
    const file = path.join(dir, offsetFileName(o, PRODUCER_SNAPSHOT_SUFFIX));
    if (found === undefined && BigInt(o) >= minOffset && BigInt(o) <= maxOffset) {
      const entries = decodeProducerSnapshot(await fs.promises.readFile(file));
      if (entries !== undefined) {
        found = { offset: BigInt(o), entries };
        continue;
      }
    }
    if (BigInt(o) > maxOffset || found === undefined) await fs.promises.rm(file, { force: true });
  }
  return found;
}

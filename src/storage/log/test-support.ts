import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildBatch, decodeBatches } from '../../protocol/records/index.ts';
import { ManualClock, MemoryLogger, type Logger } from '../../util/index.ts';
import { logConfig, type LogConfig } from './log-config.ts';
import { PartitionLog, type PartitionLogParams } from './partition-log.ts';

/** Helpers shared by the storage tests (not used by production code). */

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'gregor-storage-'));
  try {
    return await fn(dir);
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

/** A batch of `count` records whose values say which append and record they are; keys optional. */
export function testBatch(opts: { count?: number; valueBytes?: number; tag?: string; timestamp?: number; keys?: Array<string | null>; values?: Array<Buffer | null> } = {}): Buffer {
  const count = opts.keys?.length ?? opts.values?.length ?? opts.count ?? 1;
  const tag = opts.tag ?? 'r';
  const records = Array.from({ length: count }, (_, i) => {
    const label = `${tag}-${i}`;
    const value = opts.values !== undefined ? opts.values[i]! : Buffer.concat([Buffer.from(label), Buffer.alloc(Math.max(0, (opts.valueBytes ?? 0) - label.length), 0x61)]);
    const key = opts.keys?.[i];
    return {
      value,
      ...(key === undefined ? {} : { key: key === null ? null : Buffer.from(key) }),
      timestamp: BigInt((opts.timestamp ?? 1_000) + i),
    };
  });
  return buildBatch({ records, now: BigInt(opts.timestamp ?? 1_000) });
}

export interface TestLogOptions {
  readonly dir: string;
  readonly config?: Partial<LogConfig>;
  readonly clock?: ManualClock;
  readonly logger?: Logger;
  readonly params?: Partial<PartitionLogParams>;
}

export function openTestLog(o: TestLogOptions): Promise<PartitionLog> {
  const clock = o.clock ?? new ManualClock(1_000_000);
  return PartitionLog.open({
    dir: o.dir,
    topic: 'test',
    partition: 0,
    config: logConfig(o.config ?? {}),
    clock,
    scheduler: clock,
    logger: o.logger ?? new MemoryLogger(),
    ...o.params,
  });
}

/** Reads the whole log from `from`, returning (offset, value) of every record, in order. */
export async function readAll(log: PartitionLog, from = log.logStartOffset, maxBytes = 64 * 1024): Promise<Array<{ offset: bigint; value: string | null; key: string | null }>> {
  const out: Array<{ offset: bigint; value: string | null; key: string | null }> = [];
  let offset = from;
  while (offset < log.logEndOffset) {
    const r = await log.read(offset, maxBytes);
    if (r.bytes.length === 0) break;
    for (const batch of decodeBatches(r.bytes)) {
      for (const rec of batch.records) {
        if (rec.offset >= offset) out.push({ offset: rec.offset, value: rec.value?.toString('latin1') ?? null, key: rec.key?.toString('latin1') ?? null });
      }
      offset = batch.header.baseOffset + BigInt(batch.header.lastOffsetDelta) + 1n;
    }
  }
  return out;
}

export function listDir(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}

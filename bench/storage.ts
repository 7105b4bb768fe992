/**
 * Storage benchmark: append throughput of a partition log for 16 KiB and 256 KiB batches, with and
 * without fsync-before-ack, from 1 and 8 concurrent producers; then consumer-style reads from the
 * page cache. Each case is compared with the raw disk in the same run: a plain sequential write of
 * the same bytes in writes of the same average size, fdatasync'ed at the same cadence as the log
 * did, and a plain sequential read. Run directly (`node bench/storage.ts`) or through bench/main.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BatchOffsets, buildBatch } from '../src/protocol/records/index.ts';
import { PartitionLog, logConfig, type Durability } from '../src/storage/index.ts';
import { silentLogger, systemClock, systemScheduler } from '../src/util/index.ts';
import type { Row, Table } from './harness.ts';

const KIB = 1024;
const MIB = 1024 * KIB;
/** Per case: stop at whichever comes first. */
const CASE_MS = 1500;
const CASE_BYTES = 512 * MIB;

function makeBatch(batchBytes: number): Buffer {
  const recordBytes = 1000;
  const count = Math.max(1, Math.floor(batchBytes / (recordBytes + 20)));
  const records = Array.from({ length: count }, (_, i) => ({ key: Buffer.from(`key-${i}`), value: Buffer.alloc(recordBytes, 97 + (i % 26)) }));
  return buildBatch({ records });
}

interface AppendRun {
  bytes: number;
  batches: number;
  seconds: number;
  writes: number;
  flushes: number;
}

async function appendCase(dir: string, batchBytes: number, durability: Durability, producers: number): Promise<AppendRun> {
  const log = await PartitionLog.open({
    dir,
    topic: 'bench',
    partition: 0,
    config: logConfig(),
    clock: systemClock,
    scheduler: systemScheduler,
    logger: silentLogger,
  });
  const template = makeBatch(batchBytes);
  let bytes = 0;
  let batches = 0;
  const start = performance.now();
  const deadline = start + CASE_MS;
  // Each producer owns its buffer: append patches it in place and it must not change while queued.
  const producer = async (): Promise<void> => {
    const buf = Buffer.from(template);
    while (performance.now() < deadline && bytes < CASE_BYTES) {
      await log.append(buf, { requiredDurability: durability, leaderEpoch: 0 });
      bytes += buf.length;
      batches++;
    }
  };
  await Promise.all(Array.from({ length: producers }, producer));
  const seconds = (performance.now() - start) / 1000;
  const { writes, flushes } = log.stats;
  await log.closeForDelete();
  return { bytes, batches, seconds, writes, flushes };
}

const writeAsync = (fd: number, buf: Buffer, position: number): Promise<number> =>
  new Promise((resolve, reject) => fs.write(fd, buf, 0, buf.length, position, (err, n) => (err ? reject(err) : resolve(n))));
const syncAsync = (fd: number): Promise<void> => new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));

/**
 * The raw disk doing the same: the same bytes in writes of the same size, fdatasync every
 * `writesPerSync` writes, one call at a time. `async` uses the libuv thread pool as the log must;
 * the synchronous variant shows what the kernel alone costs.
 */
async function rawWrite(dir: string, totalBytes: number, writeBytes: number, writesPerSync: number, async: boolean): Promise<number> {
  const file = path.join(dir, 'raw.bin');
  const fd = fs.openSync(file, 'w');
  const buf = Buffer.alloc(Math.max(1, Math.round(writeBytes)), 7);
  const start = performance.now();
  let written = 0;
  let writes = 0;
  while (written < totalBytes) {
    written += async ? await writeAsync(fd, buf, written) : fs.writeSync(fd, buf, 0, buf.length, written);
    writes++;
    if (writesPerSync > 0 && writes % writesPerSync === 0) {
      if (async) await syncAsync(fd);
      else fs.fdatasyncSync(fd);
    }
  }
  if (writesPerSync > 0) fs.fdatasyncSync(fd);
  const seconds = (performance.now() - start) / 1000;
  fs.closeSync(fd);
  fs.rmSync(file);
  return written / seconds / 1e6;
}

const readAsync = (fd: number, buf: Buffer, position: number): Promise<number> =>
  new Promise((resolve, reject) => fs.read(fd, buf, 0, buf.length, position, (err, n) => (err ? reject(err) : resolve(n))));

/** Sequential reads of `file` in `chunk`-byte calls: async into a fresh buffer each time (as a fetch needs), or sync into one reused buffer. */
async function rawRead(file: string, chunk: number, async: boolean): Promise<number> {
  const fd = fs.openSync(file, 'r');
  const reused = Buffer.allocUnsafe(chunk);
  const start = performance.now();
  let position = 0;
  for (;;) {
    const n = async ? await readAsync(fd, Buffer.allocUnsafe(chunk), position) : fs.readSync(fd, reused, 0, chunk, position);
    if (n === 0) break;
    position += n;
  }
  const seconds = (performance.now() - start) / 1000;
  fs.closeSync(fd);
  return position / seconds / 1e6;
}

function clearDir(dir: string): void {
  for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
}

async function readCase(dir: string): Promise<Row[]> {
  // A log of 256 KiB batches, read back the way a consumer fetches: 1 MiB at a time from the page cache.
  const log = await PartitionLog.open({ dir, topic: 'bench', partition: 0, config: logConfig(), clock: systemClock, scheduler: systemScheduler, logger: silentLogger });
  const batch = makeBatch(256 * KIB);
  const pending: Array<Promise<unknown>> = [];
  for (let i = 0; i < 1024; i++) pending.push(log.append(Buffer.from(batch), { requiredDurability: 'none', leaderEpoch: 0 }));
  await Promise.all(pending);
  const total = log.size;
  const rows: Row[] = [];
  for (const maxBytes of [MIB, 8 * MIB]) {
    let offset = 0n;
    let bytes = 0;
    const start = performance.now();
    while (offset < log.logEndOffset) {
      const r = await log.read(offset, maxBytes);
      bytes += r.bytes.length;
      const lastBase = r.bytes.readBigInt64BE(r.bytes.length - batch.length);
      offset = lastBase + BigInt(r.bytes.readInt32BE(r.bytes.length - batch.length + BatchOffsets.lastOffsetDelta)) + 1n;
    }
    const seconds = (performance.now() - start) / 1000;
    const file = log.segments[0]!.paths.log;
    const rawAsync = await rawRead(file, maxBytes, true);
    const rawSync = await rawRead(file, maxBytes, false);
    const mbs = bytes / seconds / 1e6;
    rows.push({
      case: `read ${maxBytes / MIB} MiB per fetch (log of ${Math.round(total / MIB)} MiB)`,
      'MB/s': mbs,
      'fetches/s': Math.round(bytes / maxBytes / seconds),
      'raw async MB/s': rawAsync,
      'raw sync MB/s': rawSync,
      '÷ raw async': mbs / rawAsync,
      '÷ raw sync': mbs / rawSync,
    });
  }
  await log.close();
  return rows;
}

export async function run(): Promise<Table[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gregor-bench-storage-'));
  try {
    // Warm-up: on a fresh VM, the first writes into new page-cache memory run several times slower
    // than later ones; touch 2 GiB once so every case below sees the same warm state.
    await rawWrite(dir, 2048 * MIB, 4 * MIB, 0, false);
    await appendCase(dir, 256 * KIB, 'none', 4);
    clearDir(dir);
    const rows: Row[] = [];
    for (const durability of ['none', 'fsync'] as const) {
      for (const batchBytes of [16 * KIB, 256 * KIB]) {
        for (const producers of [1, 8]) {
          const r = await appendCase(dir, batchBytes, durability, producers);
          clearDir(dir);
          const writeBytes = r.bytes / r.writes;
          const writesPerSync = durability === 'fsync' ? Math.max(1, Math.round(r.writes / Math.max(1, r.flushes))) : 0;
          const rawAsync = await rawWrite(dir, r.bytes, writeBytes, writesPerSync, true);
          const rawSync = await rawWrite(dir, r.bytes, writeBytes, writesPerSync, false);
          const mbs = r.bytes / r.seconds / 1e6;
          rows.push({
            case: `append ${batchBytes / KIB} KiB, ${producers} producer${producers > 1 ? 's' : ''}, ${durability === 'fsync' ? 'fsync before ack' : 'page cache ack'}`,
            'MB/s': mbs,
            'batches/s': Math.round(r.batches / r.seconds),
            'batches/write': r.batches / r.writes,
            'batches/fsync': durability === 'fsync' ? r.batches / Math.max(1, r.flushes) : '',
            'raw async MB/s': rawAsync,
            'raw sync MB/s': rawSync,
            '÷ raw async': mbs / rawAsync,
            '÷ raw sync': mbs / rawSync,
          });
        }
      }
    }
    clearDir(dir);
    const reads = await readCase(dir);
    return [
      { title: 'partition log appends vs. raw sequential writes of the same bytes (same write size, same fsync cadence)', rows },
      { title: 'partition log reads from the page cache vs. raw sequential reads', rows: reads },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  for (const table of await run()) {
    console.log(`\n${table.title}`);
    console.table(table.rows);
  }
}

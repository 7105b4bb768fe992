/**
 * Record codec benchmark: CRC-32C (native vs. pure JS, to justify @node-rs/crc32), each
 * compression codec on 1 MiB of realistic ~100-byte JSON records, and building/decoding
 * batches. Run directly (`node bench/codec-records.ts`) to print the tables; bench/main.ts calls run().
 */
import { measure, type Row, type Table } from './harness.ts';
import { crc32c } from '../src/protocol/wire/index.ts';
import {
  Compression,
  buildBatch,
  compress,
  compressionNames,
  decodeBatch,
  decompress,
  type CompressionCode,
  type RecordInput,
} from '../src/protocol/records/index.ts';

const MIB = 1024 * 1024;
const CODECS: CompressionCode[] = [Compression.none, Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd];
/** Short runs: twenty cases on a shared 2-core machine. */
const DURATION_MS = 300;

// --- pure-JS CRC-32C, slicing-by-8: the baseline the native binding must beat --------------
const SLICES = (() => {
  const t = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[0]![n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let s = 1; s < 8; s++) t[s]![n] = (t[0]![t[s - 1]![n]! & 0xff]! ^ (t[s - 1]![n]! >>> 8)) >>> 0;
  }
  return t;
})();

function crc32cSlicing8(data: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = SLICES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let crc = 0xffffffff;
  let i = 0;
  const end8 = data.length - (data.length % 8);
  for (; i < end8; i += 8) {
    const a = crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    crc =
      t7[a & 0xff]! ^ t6[(a >>> 8) & 0xff]! ^ t5[(a >>> 16) & 0xff]! ^ t4[a >>> 24]! ^
      t3[data[i + 4]!]! ^ t2[data[i + 5]!]! ^ t1[data[i + 6]!]! ^ t0[data[i + 7]!]!;
  }
  for (; i < data.length; i++) crc = t0[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// --- realistic records: ~100-byte JSON events with some randomness -----------------------
function realisticRecords(totalBytes: number): RecordInput[] {
  const records: RecordInput[] = [];
  let x = 12345;
  const rand = (n: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x % n;
  };
  const events = ['click', 'view', 'purchase', 'login', 'logout'];
  let size = 0;
  for (let i = 0; size < totalBytes; i++) {
    const value = Buffer.from(
      `{"event":"${events[rand(5)]}","user":"user-${rand(5000)}","ts":${1_700_000_000_000 + i * 13},` +
        `"session":"${rand(0xffffff).toString(16).padStart(6, '0')}${rand(0xffffff).toString(16)}","amount":${rand(10000) / 100}}`,
    );
    const key = Buffer.from(`user-${rand(5000)}`);
    records.push({ key, value, timestamp: BigInt(1_700_000_000_000 + i * 13) });
    size += key.length + value.length + 12;
  }
  return records;
}

export function run(): Table[] {
  const oneMiB = Buffer.allocUnsafe(MIB);
  for (let i = 0; i < oneMiB.length; i++) oneMiB[i] = (i * 2654435761) >>> 24;
  if (crc32cSlicing8(oneMiB) !== crc32c(oneMiB)) throw new Error('slicing-by-8 CRC disagrees with the native one');
  const crcRows = [
    measure('@node-rs/crc32 (SSE 4.2)', () => crc32c(oneMiB), { bytesPerOp: MIB, durationMs: DURATION_MS }),
    measure('pure JS slicing-by-8', () => crc32cSlicing8(oneMiB), { bytesPerOp: MIB, durationMs: DURATION_MS }),
  ].map((row) => ({ ...row, 'GB/s': Number(row['MB/s']) / 1000 }));

  const records = realisticRecords(MIB);
  const section = buildBatch({ records }).subarray(61);
  const codecRows: Row[] = [];
  for (const codec of CODECS.slice(1)) {
    const name = compressionNames[codec];
    const packed = compress(codec, section);
    const ratio = section.length / packed.length;
    const opts = { bytesPerOp: section.length, durationMs: DURATION_MS };
    codecRows.push({ ...measure(`${name} compress`, () => compress(codec, section), opts), ratio });
    codecRows.push({ ...measure(`${name} decompress`, () => decompress(codec, packed), opts), ratio });
  }

  const batchRows: Row[] = [];
  for (const codec of CODECS) {
    const name = compressionNames[codec];
    const batch = buildBatch({ records, compression: codec });
    const opts = { bytesPerOp: section.length, durationMs: DURATION_MS };
    batchRows.push(measure(`buildBatch ${name}`, () => buildBatch({ records, compression: codec }), opts));
    batchRows.push(measure(`decodeBatch ${name}`, () => decodeBatch(batch), opts));
  }
  const shape = `${records.length} records of ~${Math.round(section.length / records.length)} B, ${(section.length / MIB).toFixed(2)} MiB`;
  return [
    { title: 'CRC-32C over a 1 MiB buffer', rows: crcRows },
    { title: `Compression codecs on a records section (${shape})`, rows: codecRows },
    { title: `Record batches, MB/s of uncompressed records (${shape})`, rows: batchRows },
  ];
}

if (import.meta.main) {
  for (const table of run()) {
    console.log(`\n${table.title}`);
    console.table(table.rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'number' && !Number.isInteger(v) ? +v.toFixed(2) : v]))));
  }
}

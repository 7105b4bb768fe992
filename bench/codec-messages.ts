/**
 * Message codec throughput on the broker's two hot requests, with 1 MiB of 100-byte records:
 * Produce (decode request, then validate every batch's CRC the way the broker will) and Fetch
 * (encode the response around file bytes, decode it as a client would). Two shapes: one partition
 * holding 1 MiB, and 64 partitions of 16 KiB batches.
 */
import { measure, type Table } from './harness.ts';
import {
  decodeFetchResponse,
  decodeProduceRequest,
  encodeFetchResponse,
  encodeProduceRequest,
  type FetchResponseInput,
  type ProduceRequestInput,
} from '../src/protocol/messages/index.ts';
import { buildBatch, scanBatches } from '../src/protocol/records/index.ts';
import { Reader, Writer } from '../src/protocol/wire/index.ts';

const RECORD_SIZE = 100;
const TOTAL = 1 << 20;

function recordValue(i: number): Buffer {
  const text = `{"id":${i},"user":"u${(i * 7919) % 10007}","event":"click","path":"/p/${i % 97}","ok":true}`;
  return Buffer.from(text.padEnd(RECORD_SIZE, ' ').slice(0, RECORD_SIZE));
}

/** Batches of ~batchBytes each, together about 1 MiB of record values. */
function batches(batchBytes: number): Buffer[] {
  const perBatch = Math.max(1, Math.floor(batchBytes / (RECORD_SIZE + 10)));
  const out: Buffer[] = [];
  let i = 0;
  while (i * RECORD_SIZE < TOTAL) {
    const records = [];
    for (let j = 0; j < perBatch && i * RECORD_SIZE < TOTAL; j++, i++) records.push({ value: recordValue(i) });
    out.push(buildBatch({ records, now: 1_700_000_000_000n }));
  }
  return out;
}

function produceRequest(parts: Buffer[]): ProduceRequestInput {
  return {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30_000,
    topicData: [{ name: 'bench', partitionData: parts.map((records, index) => ({ index, records })) }],
  };
}

function fetchResponse(parts: Buffer[]): FetchResponseInput {
  return {
    throttleTimeMs: 0,
    responses: [
      {
        topic: 'bench',
        partitions: parts.map((records, partitionIndex) => ({
          partitionIndex,
          errorCode: 0,
          highWatermark: 1_000_000n,
          lastStableOffset: 1_000_000n,
          logStartOffset: 0n,
          abortedTransactions: null,
          records,
        })),
      },
    ],
  };
}

function encode(fn: (w: Writer) => void): Buffer {
  const w = new Writer(1024);
  fn(w);
  return w.toBuffer();
}

export function run(): Table[] {
  const rows = [];
  const shapes: Array<[string, Buffer[]]> = [
    ['1 partition × 1 MiB', [Buffer.concat(batches(TOTAL))]],
    ['64 partitions × 16 KiB', batches(16 * 1024)],
  ];
  for (const [shape, parts] of shapes) {
    const bytes = parts.reduce((n, p) => n + p.length, 0);
    for (const version of [7, 9]) {
      const produce = encode((w) => encodeProduceRequest(w, version, produceRequest(parts)));
      rows.push(measure(`Produce v${version} decode, ${shape}`, () => decodeProduceRequest(new Reader(produce), version), { bytesPerOp: bytes }));
      rows.push(
        measure(`Produce v${version} decode + CRC check, ${shape}`, () => {
          const req = decodeProduceRequest(new Reader(produce), version);
          for (const t of req.topicData) for (const p of t.partitionData) if (p.records) scanBatches(p.records);
        }, { bytesPerOp: bytes }),
      );
      rows.push(
        measure(`Produce v${version} encode (zero-copy chunks), ${shape}`, () => {
          const w = new Writer(1024);
          encodeProduceRequest(w, version, produceRequest(parts));
          return w.finish();
        }, { bytesPerOp: bytes }),
      );
    }
    for (const version of [11, 16]) {
      const response = fetchResponse(parts);
      rows.push(
        measure(`Fetch v${version} encode (zero-copy chunks), ${shape}`, () => {
          const w = new Writer(1024);
          encodeFetchResponse(w, version, response);
          return w.finish();
        }, { bytesPerOp: bytes }),
      );
      const fetched = encode((w) => encodeFetchResponse(w, version, response));
      rows.push(measure(`Fetch v${version} decode, ${shape}`, () => decodeFetchResponse(new Reader(fetched), version), { bytesPerOp: bytes }));
    }
  }
  return [{ title: 'Message codec (Produce and Fetch, 1 MiB of 100-byte records)', rows }];
}

if (import.meta.main) {
  for (const table of run()) console.table(table.rows);
}

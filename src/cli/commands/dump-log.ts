import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  Attributes,
  checkBatchAt,
  compressionNames,
  decodeBatch,
  decodeControlRecord,
  LOG_OVERHEAD,
  MIN_BATCH_LENGTH,
  readBatchHeader,
  type BatchHeader,
  type Record as BatchRecord,
} from '../../protocol/records/index.ts';
import { flag, guarded, listArg, UsageError } from '../args.ts';
import { ExitCode, type Command, type CommandIo } from '../command.ts';

/**
 * `gregor dump-log <segment.log>…`: kafka-dump-log.sh for log segments. Reads a segment batch by
 * batch (never the whole file at once: segments are up to 1 GiB) and prints each batch header with
 * its position, size, codec and whether its CRC-32C holds; with --print-data, every record too.
 * A truncated or corrupt tail (a torn write the broker's recovery would cut off) is reported and ends
 * that file's dump; it, or a batch failing its CRC, makes the exit code 1.
 */

/** Bytes read ahead of a batch to learn its length and header. */
const HEADER_PROBE = 61;

function show(b: Buffer | null, limit = 1024): string {
  if (b === null) return 'null';
  const text = b.toString('utf8');
  // Printable UTF-8 as is; anything else as hex, so binary payloads cannot garble the terminal.
  const printable = !text.includes('\uFFFD') && !/[\u0000-\u0008\u000E-\u001F\u007F]/.test(text);
  const shown = printable ? text : `0x${b.toString('hex')}`;
  return shown.length > limit ? `${shown.slice(0, limit)}…(${b.length} bytes)` : shown;
}

function batchLine(h: BatchHeader, position: number, size: number, crcValid: boolean): string {
  const codec = (compressionNames as Readonly<Record<number, string | undefined>>)[h.attributes & Attributes.compressionMask] ?? `unknown(${h.attributes & Attributes.compressionMask})`;
  const lastSequence = h.baseSequence < 0 ? -1 : (h.baseSequence + h.lastOffsetDelta) % 2 ** 31;
  const timeType = (h.attributes & Attributes.logAppendTime) !== 0 ? 'LogAppendTime' : 'CreateTime';
  return (
    `baseOffset: ${h.baseOffset} lastOffset: ${h.baseOffset + BigInt(h.lastOffsetDelta)} count: ${h.recordCount} ` +
    `baseSequence: ${h.baseSequence} lastSequence: ${lastSequence} producerId: ${h.producerId} producerEpoch: ${h.producerEpoch} ` +
    `partitionLeaderEpoch: ${h.partitionLeaderEpoch} isTransactional: ${(h.attributes & Attributes.transactional) !== 0} ` +
    `isControl: ${(h.attributes & Attributes.control) !== 0} position: ${position} ` +
    `baseTimestamp: ${h.baseTimestamp} ${timeType}: ${h.maxTimestamp} size: ${size} magic: ${h.magic} ` +
    `compresscodec: ${codec} crcValid: ${crcValid}\n`
  );
}

function recordLine(r: BatchRecord, h: BatchHeader, isControl: boolean): string {
  const sequence = h.baseSequence < 0 ? -1 : (h.baseSequence + Number(r.offset - h.baseOffset)) % 2 ** 31;
  let line = `| offset: ${r.offset} CreateTime: ${r.timestamp} keySize: ${r.key?.length ?? -1} valueSize: ${r.value?.length ?? -1} sequence: ${sequence}`;
  line += ` headerKeys: [${r.headers.map((x) => x.key).join(',')}]`;
  if (isControl) {
    try {
      const c = decodeControlRecord(r);
      line += c.type === 'other' ? ` endTxnMarker: type ${c.typeId}` : ` endTxnMarker: ${c.type.toUpperCase()} coordinatorEpoch: ${c.coordinatorEpoch}`;
    } catch (error) {
      line += ` controlRecord: undecodable (${(error as Error).message})`;
    }
    return `${line}\n`;
  }
  line += ` key: ${show(r.key)} payload: ${show(r.value)}`;
  if (r.headers.length > 0) line += ` headers: ${r.headers.map((x) => `${x.key}=${show(x.value)}`).join(',')}`;
  return `${line}\n`;
}

/** Dumps one file; false when a batch fails its CRC or the file ends in a corrupt or truncated batch. */
async function dumpFile(path: string, printData: boolean, io: CommandIo): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    io.out(`Dumping ${path}\n`);
    const base = /^(\d{20})\.log$/.exec(basename(path));
    if (base !== null) io.out(`Log starting offset: ${BigInt(base[1]!)}\n`);
    let position = 0;
    let batches = 0;
    let allValid = true;
    while (position < size) {
      const probe = Buffer.alloc(Math.min(HEADER_PROBE, size - position));
      await file.read(probe, 0, probe.length, position);
      const batchLength = probe.length >= LOG_OVERHEAD ? probe.readInt32BE(8) : -1;
      if (probe.length < LOG_OVERHEAD || (batchLength >= MIN_BATCH_LENGTH && position + LOG_OVERHEAD + batchLength > size)) {
        io.out(`Found ${size - position} bytes at position ${position} that end inside a batch (truncated tail)\n`);
        return false;
      }
      if (batchLength < MIN_BATCH_LENGTH) {
        io.out(`Found a corrupt batch at position ${position}: batch length ${batchLength} is below the minimum ${MIN_BATCH_LENGTH}\n`);
        return false;
      }
      const batch = Buffer.alloc(LOG_OVERHEAD + batchLength);
      await file.read(batch, 0, batch.length, position);
      const checked = checkBatchAt(batch, 0, true);
      if (checked === 'magic' || checked === 'corrupt' || checked === 'truncated') {
        io.out(`Found an unreadable batch at position ${position} (${checked})\n`);
        return false;
      }
      const header = readBatchHeader(batch, 0);
      io.out(batchLine(header, position, batch.length, checked !== 'crc'));
      // A bad CRC is worth showing the rest for (the batch is whole), but the dump still fails.
      if (checked === 'crc') allValid = false;
      if (printData) {
        try {
          const decoded = decodeBatch(batch, 0, { verifyCrc: false });
          for (const r of decoded.records) io.out(recordLine(r, header, decoded.isControl));
        } catch (error) {
          io.out(`| records not decodable: ${(error as Error).message}\n`);
        }
      }
      position += batch.length;
      batches++;
    }
    io.out(`${batches} batches, ${size} bytes\n`);
    return allValid;
  } finally {
    await file.close();
  }
}

export const command: Command = {
  usage: '<segment.log>... [--print-data]',
  description:
    'Print the record batches of log segment files (kafka-dump-log.sh): offsets, count, position, size, codec, ' +
    'CRC check, timestamps, producer id/epoch/sequence. With --print-data, each record (offset, key, value, headers).',
  options: {
    files: { type: 'string', multiple: true, description: 'Comma-separated segment files (as kafka-dump-log.sh; or give them as arguments)', valueName: 'paths' },
    'print-data': { type: 'boolean', description: 'Print every record, not only the batch headers' },
    'print-data-log': { type: 'boolean', description: "Same as --print-data (Kafka's name)" },
  },
  allowPositionals: true,
  run(args, io) {
    return guarded('dump-log', io, async () => {
      const files = [...args.positionals, ...listArg(args, 'files').flatMap((f) => f.split(',')).filter((f) => f !== '')];
      if (files.length === 0) throw new UsageError('a segment file is required');
      const printData = flag(args, 'print-data') || flag(args, 'print-data-log');
      let ok = true;
      for (const path of files) {
        try {
          ok = (await dumpFile(path, printData, io)) && ok;
        } catch (error) {
          io.err(`gregor dump-log: cannot read ${path}: ${(error as Error).message}\n`);
          ok = false;
        }
      }
      return ok ? ExitCode.ok : ExitCode.failure;
    });
  },
};

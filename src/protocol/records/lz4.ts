import { compress as compressBlockAsync, compressSync as compressBlock, uncompress as uncompressBlockAsync, uncompressSync as uncompressBlock } from 'lz4-napi';
import { DecodeError } from '../wire/decode-error.ts';
import { codecFailure, tooLarge } from './codec-error.ts';
import { xxh32 } from './xxhash32.ts';

/**
 * LZ4 (compression code 3) in the standard LZ4 frame format (Kafka since KIP-57; Java's
 * KafkaLZ4BlockOutputStream, librdkafka's LZ4F). The frame layer is here and only the block
 * codec is native (lz4-napi's lz4_flex block API): lz4-napi's own frame functions grow their
 * output as they go and run at a third of the speed, and have no output limit.
 *
 * Written: independent 64 KiB blocks (Java's and LZ4F's default), no checksums, no content size.
 * Read: any frame of the format (v1.6): linked or independent blocks, 64 KiB..4 MiB, block and
 * content checksums (verified), content size (verified), concatenated and skippable frames.
 */
const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_INDEPENDENT = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_RESERVED = 0x02;
const FLG_DICT_ID = 0x01;
const BLOCK_STORED = 0x80000000;
const LINKED_WINDOW = 64 * 1024;

const WRITE_BLOCK_SIZE = 64 * 1024;
const WRITE_DESCRIPTOR = Buffer.from([FLG_VERSION_01 | FLG_BLOCK_INDEPENDENT, 0x40]);
const WRITE_HEADER = Buffer.alloc(7);
WRITE_HEADER.writeUInt32LE(FRAME_MAGIC, 0);
WRITE_DESCRIPTOR.copy(WRITE_HEADER, 4);
WRITE_HEADER[6] = (xxh32(WRITE_DESCRIPTOR) >>> 8) & 0xff;

export function lz4Compress(data: Buffer): Buffer {
  const blocks: Buffer[] = [];
  for (let at = 0; at < data.length; at += WRITE_BLOCK_SIZE) blocks.push(compressBlock(data.subarray(at, at + WRITE_BLOCK_SIZE)));
  return assembleFrame(data, blocks);
}

/** Compresses the blocks concurrently on the thread pool; same bytes as lz4Compress. */
export async function lz4CompressAsync(data: Buffer): Promise<Buffer> {
  const pending: Promise<Buffer>[] = [];
  for (let at = 0; at < data.length; at += WRITE_BLOCK_SIZE) pending.push(compressBlockAsync(data.subarray(at, at + WRITE_BLOCK_SIZE)));
  return assembleFrame(data, await Promise.all(pending));
}

/** `blocks` come from lz4-napi: a little-endian size prefix, then the block. */
function assembleFrame(data: Buffer, blocks: Buffer[]): Buffer {
  let size = WRITE_HEADER.length + 4;
  for (let i = 0; i < blocks.length; i++) size += 4 + Math.min(blocks[i]!.length - 4, plainLength(data, i));
  const out = Buffer.allocUnsafe(size);
  let pos = WRITE_HEADER.copy(out, 0);
  for (let i = 0; i < blocks.length; i++) {
    const packed = blocks[i]!.subarray(4);
    const plain = plainLength(data, i);
    if (packed.length < plain) {
      pos = out.writeUInt32LE(packed.length, pos);
      pos += packed.copy(out, pos);
    } else {
      // Incompressible: stored as is, flagged by the high bit of the size.
      pos = out.writeUInt32LE((plain | BLOCK_STORED) >>> 0, pos);
      pos += data.copy(out, pos, i * WRITE_BLOCK_SIZE, i * WRITE_BLOCK_SIZE + plain);
    }
  }
  out.writeUInt32LE(0, pos);
  return out;
}

function plainLength(data: Buffer, block: number): number {
  return Math.min(WRITE_BLOCK_SIZE, data.length - block * WRITE_BLOCK_SIZE);
}

interface Block {
  data: Buffer;
  stored: boolean;
  max: number;
  /** The frame's blocks refer back into earlier output (block independence flag clear). */
  linked: boolean;
  first: boolean;
}

interface Frame {
  blocks: Block[];
  contentSize: number | null;
  contentChecksum: number | null;
}

/**
 * Parses the frames and checks header and block checksums; returns the blocks to inflate and an
 * upper bound of the output: per block min(block maximum, 255 × its size), as an LZ4 sequence
 * cannot expand more (each extra match-length byte adds 255).
 */
function parse(data: Buffer): { frames: Frame[]; bound: number } {
  const frames: Frame[] = [];
  let bound = 0;
  let pos = 0;
  const need = (n: number): void => {
    if (pos + n > data.length) throw new DecodeError('lz4: truncated frame');
  };
  do {
    need(4);
    const magic = data.readUInt32LE(pos);
    pos += 4;
    if (((magic & SKIPPABLE_MASK) >>> 0) === SKIPPABLE_MAGIC) {
      need(4);
      const skip = data.readUInt32LE(pos);
      pos += 4;
      need(skip);
      pos += skip;
      continue;
    }
    if (magic !== FRAME_MAGIC) throw new DecodeError(`lz4: bad frame magic 0x${magic.toString(16)}`);
    need(3);
    const descriptorStart = pos;
    const flg = data[pos]!;
    const max = blockMaxSize(data[pos + 1]!);
    pos += 2;
    if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_01 || flg & FLG_RESERVED) throw new DecodeError(`lz4: unsupported frame flags 0x${flg.toString(16)}`);
    if (flg & FLG_DICT_ID) throw new DecodeError('lz4: frames with a dictionary are not supported');
    let contentSize: number | null = null;
    if (flg & FLG_CONTENT_SIZE) {
      need(9);
      contentSize = Number(data.readBigUInt64LE(pos));
      pos += 8;
    }
    need(1);
    if (data[pos] !== ((xxh32(data.subarray(descriptorStart, pos)) >>> 8) & 0xff)) throw new DecodeError('lz4: bad frame header checksum');
    pos += 1;
    const linked = (flg & FLG_BLOCK_INDEPENDENT) === 0;
    const checksums = (flg & FLG_BLOCK_CHECKSUM) !== 0;
    const blocks: Block[] = [];
    for (;;) {
      need(4);
      const word = data.readUInt32LE(pos);
      pos += 4;
      if (word === 0) break;
      const stored = (word & BLOCK_STORED) !== 0;
      const size = (word & ~BLOCK_STORED) >>> 0;
      if (size > max) throw new DecodeError(`lz4: block of ${size} bytes exceeds the frame's ${max}`);
      need(size + (checksums ? 4 : 0));
      const block = data.subarray(pos, pos + size);
      pos += size;
      if (checksums) {
        if (xxh32(block) !== data.readUInt32LE(pos)) throw new DecodeError('lz4: bad block checksum');
        pos += 4;
      }
      blocks.push({ data: block, stored, max, linked, first: blocks.length === 0 });
      bound += stored ? size : Math.min(max, size * 255);
    }
    let contentChecksum: number | null = null;
    if (flg & FLG_CONTENT_CHECKSUM) {
      need(4);
      contentChecksum = data.readUInt32LE(pos);
      pos += 4;
    }
    frames.push({ blocks, contentSize, contentChecksum });
  } while (pos < data.length);
  return { frames, bound };
}

/** BD byte bits 6-4: 4 → 64 KiB, 5 → 256 KiB, 6 → 1 MiB, 7 → 4 MiB; the other bits are reserved. */
function blockMaxSize(bd: number): number {
  const id = (bd >> 4) & 0x07;
  if (id < 4 || (bd & 0x8f) !== 0) throw new DecodeError(`lz4: bad block descriptor 0x${bd.toString(16)}`);
  return 1 << (8 + 2 * id);
}

/** lz4_flex's block API reads a little-endian size prefix, used as the output capacity. */
function blockInput(block: Block, scratch: Buffer): Buffer {
  scratch.writeUInt32LE(block.max, 0);
  block.data.copy(scratch, 4);
  return scratch.subarray(0, 4 + block.data.length);
}

/** The last 64 KiB of output before the block, which a linked block may refer to. */
function historyOf(parts: Buffer[]): Buffer {
  let from = parts.length - 1;
  let size = parts[from]!.length;
  while (size < LINKED_WINDOW && from > 0) size += parts[--from]!.length;
  const window = from === parts.length - 1 ? parts[from]! : Buffer.concat(parts.slice(from));
  return window.subarray(-LINKED_WINDOW);
}

/** Joins a frame's output and checks its declared size and checksum. */
function finishFrame(frame: Frame, parts: Buffer[]): Buffer {
  const out = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  if (frame.contentSize !== null && frame.contentSize !== out.length) throw new DecodeError('lz4: content size mismatch');
  if (frame.contentChecksum !== null && frame.contentChecksum !== xxh32(out)) throw new DecodeError('lz4: bad content checksum');
  return out;
}

/** Every block inflates into at most its frame's block size, so the limit is checked as it goes. */
export function lz4Decompress(data: Buffer, maxBytes: number): Buffer {
  const { frames } = parse(data);
  if (frames.reduce((sum, f) => sum + (f.contentSize ?? 0), 0) > maxBytes) throw tooLarge('lz4', maxBytes);
  const outputs: Buffer[] = [];
  let total = 0;
  let scratch = Buffer.alloc(0);
  for (const frame of frames) {
    const parts: Buffer[] = [];
    for (const block of frame.blocks) {
      let out: Buffer;
      if (block.stored) {
        out = block.data;
      } else {
        if (scratch.length < 4 + block.data.length) scratch = Buffer.allocUnsafe(4 + block.max);
        try {
          const input = blockInput(block, scratch);
          out = block.linked && !block.first ? uncompressBlock(input, historyOf(parts)) : uncompressBlock(input);
        } catch (err) {
          throw codecFailure('lz4', err, maxBytes);
        }
      }
      total += out.length;
      if (total > maxBytes) throw tooLarge('lz4', maxBytes);
      parts.push(out);
    }
    outputs.push(finishFrame(frame, parts));
  }
  return outputs.length === 1 ? outputs[0]! : Buffer.concat(outputs);
}

/**
 * Inflates independent blocks concurrently on the thread pool when the structural bound is
 * within the limit; otherwise (linked blocks, or a possible bomb) uses the sequential path.
 */
export async function lz4DecompressAsync(data: Buffer, maxBytes: number): Promise<Buffer> {
  const { frames, bound } = parse(data);
  if (bound > maxBytes || frames.some((f) => f.blocks.some((b) => b.linked))) return lz4Decompress(data, maxBytes);
  const outputs: Buffer[] = [];
  try {
    for (const frame of frames) {
      const parts = await Promise.all(
        frame.blocks.map((b) => (b.stored ? b.data : uncompressBlockAsync(blockInput(b, Buffer.allocUnsafe(4 + b.data.length))))),
      );
      outputs.push(finishFrame(frame, parts));
    }
  } catch (err) {
    throw codecFailure('lz4', err, maxBytes);
  }
  const out = outputs.length === 1 ? outputs[0]! : Buffer.concat(outputs);
  if (out.length > maxBytes) throw tooLarge('lz4', maxBytes);
  return out;
}

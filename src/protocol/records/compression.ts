import { DecodeError } from '../wire/decode-error.ts';
import { GregorError } from '../../util/index.ts';
import { Compression, type CompressionCode } from './batch-header.ts';
import { gzipCompress, gzipCompressAsync, gzipDecompress, gzipDecompressAsync } from './gzip.ts';
import { lz4Compress, lz4CompressAsync, lz4Decompress, lz4DecompressAsync } from './lz4.ts';
import { snappyCompress, snappyCompressAsync, snappyDecompress, snappyDecompressAsync } from './snappy.ts';
import { zstdCompressData, zstdCompressDataAsync, zstdDecompressData, zstdDecompressDataAsync } from './zstd.ts';

/**
 * The codecs of the batch attributes' bits 0-2. Decompression is always bounded: past
 * `maxBytes` of output it raises DecodeError, as it does for any corrupt input.
 * The async variants run the codec on libuv's thread pool (zlib, snappy and lz4-napi all offer it).
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

export interface CompressOptions {
  /** gzip 1..9, zstd -131072..22 (KIP-390); ignored by snappy and lz4. */
  level?: number;
}

export const compressionNames: Readonly<Record<CompressionCode, string>> = {
  [Compression.none]: 'none',
  [Compression.gzip]: 'gzip',
  [Compression.snappy]: 'snappy',
  [Compression.lz4]: 'lz4',
  [Compression.zstd]: 'zstd',
};

export function isCompressionCode(code: number): code is CompressionCode {
  return Number.isInteger(code) && code >= Compression.none && code <= Compression.zstd;
}

export function compress(codec: CompressionCode, data: Buffer, options: CompressOptions = {}): Buffer {
  switch (codec) {
    case Compression.none:
      return data;
    case Compression.gzip:
      return gzipCompress(data, options.level);
    case Compression.snappy:
      return snappyCompress(data);
    case Compression.lz4:
      return lz4Compress(data);
    case Compression.zstd:
      return zstdCompressData(data, options.level);
    default:
      throw unknownCodecArgument(codec);
  }
}

export async function compressAsync(codec: CompressionCode, data: Buffer, options: CompressOptions = {}): Promise<Buffer> {
  switch (codec) {
    case Compression.none:
      return data;
    case Compression.gzip:
      return gzipCompressAsync(data, options.level);
    case Compression.snappy:
      return snappyCompressAsync(data);
    case Compression.lz4:
      return lz4CompressAsync(data);
    case Compression.zstd:
      return zstdCompressDataAsync(data, options.level);
    default:
      throw unknownCodecArgument(codec);
  }
}

/** `codec` is a number because it comes from untrusted attributes: 5..7 raise DecodeError. */
export function decompress(codec: number, data: Buffer, maxBytes = DEFAULT_MAX_DECOMPRESSED_BYTES): Buffer {
  switch (codec) {
    case Compression.none:
      return data;
    case Compression.gzip:
      return gzipDecompress(data, maxBytes);
    case Compression.snappy:
      return snappyDecompress(data, maxBytes);
    case Compression.lz4:
      return lz4Decompress(data, maxBytes);
    case Compression.zstd:
      return zstdDecompressData(data, maxBytes);
    default:
      throw new DecodeError(`unknown compression codec ${codec}`);
  }
}

export async function decompressAsync(codec: number, data: Buffer, maxBytes = DEFAULT_MAX_DECOMPRESSED_BYTES): Promise<Buffer> {
  switch (codec) {
    case Compression.none:
      return data;
    case Compression.gzip:
      return gzipDecompressAsync(data, maxBytes);
    case Compression.snappy:
      return snappyDecompressAsync(data, maxBytes);
    case Compression.lz4:
      return lz4DecompressAsync(data, maxBytes);
    case Compression.zstd:
      return zstdDecompressDataAsync(data, maxBytes);
    default:
      throw new DecodeError(`unknown compression codec ${codec}`);
  }
}

function unknownCodecArgument(codec: never): GregorError {
  return new GregorError('INVALID_ARGUMENT', `unknown compression codec ${String(codec)}`);
}

import { constants, zstdCompress, zstdCompressSync, zstdDecompress, zstdDecompressSync, type ZstdOptions } from 'node:zlib';
import { codecFailure, tooLarge, zlibOutputLimit } from './codec-error.ts';

/**
 * Zstandard (compression code 4, KIP-110) through Node's built-in libzstd. Kafka's default
 * level is 3 (KIP-390 `compression.zstd.level`), which is also libzstd's default.
 * Like Java's ZstdInputStream in Kafka, decoding reads one frame; producers write exactly one.
 */
export function zstdCompressData(data: Buffer, level?: number): Buffer {
  return zstdCompressSync(data, compressOptions(level));
}

export function zstdDecompressData(data: Buffer, maxBytes: number): Buffer {
  let out: Buffer;
  try {
    out = zstdDecompressSync(data, { maxOutputLength: zlibOutputLimit(maxBytes) });
  } catch (err) {
    throw codecFailure('zstd', err, maxBytes);
  }
  if (out.length > maxBytes) throw tooLarge('zstd', maxBytes);
  return out;
}

/** Runs on libuv's thread pool. */
export function zstdCompressDataAsync(data: Buffer, level?: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zstdCompress(data, compressOptions(level), (err, out) => (err ? reject(err) : resolve(out)));
  });
}

export function zstdDecompressDataAsync(data: Buffer, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zstdDecompress(data, { maxOutputLength: zlibOutputLimit(maxBytes) }, (err, out) => {
      if (err) reject(codecFailure('zstd', err, maxBytes));
      else if (out.length > maxBytes) reject(tooLarge('zstd', maxBytes));
      else resolve(out);
    });
  });
}

function compressOptions(level: number | undefined): ZstdOptions {
  return level === undefined ? {} : { params: { [constants.ZSTD_c_compressionLevel]: level } };
}

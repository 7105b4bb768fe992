import { gunzip, gunzipSync, gzip, gzipSync, type ZlibOptions } from 'node:zlib';
import { codecFailure, tooLarge, zlibOutputLimit } from './codec-error.ts';

/**
 * Gzip (compression code 1), as Java's GZIPOutputStream writes it. Levels follow KIP-390
 * (`compression.gzip.level`, 1..9, Kafka's default is zlib's 6).
 */
export function gzipCompress(data: Buffer, level?: number): Buffer {
  return gzipSync(data, zlibCompressOptions(level));
}

export function gzipDecompress(data: Buffer, maxBytes: number): Buffer {
  let out: Buffer;
  try {
    out = gunzipSync(data, { maxOutputLength: zlibOutputLimit(maxBytes) });
  } catch (err) {
    throw codecFailure('gzip', err, maxBytes);
  }
  if (out.length > maxBytes) throw tooLarge('gzip', maxBytes);
  return out;
}

/** Runs on libuv's thread pool. */
export function gzipCompressAsync(data: Buffer, level?: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gzip(data, zlibCompressOptions(level), (err, out) => (err ? reject(err) : resolve(out)));
  });
}

export function gzipDecompressAsync(data: Buffer, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gunzip(data, { maxOutputLength: zlibOutputLimit(maxBytes) }, (err, out) => {
      if (err) reject(codecFailure('gzip', err, maxBytes));
      else if (out.length > maxBytes) reject(tooLarge('gzip', maxBytes));
      else resolve(out);
    });
  });
}

function zlibCompressOptions(level: number | undefined): ZlibOptions {
  return level === undefined ? {} : { level };
}

import { crc32c as nativeCrc32c } from '@node-rs/crc32';

/**
 * CRC-32C (Castagnoli), the checksum of record batches v2 (KIP-98). Hardware-accelerated
 * (SSE 4.2) through @node-rs/crc32. `initial` continues a running checksum.
 */
export function crc32c(data: Uint8Array, initial = 0): number {
  return nativeCrc32c(data, initial) >>> 0;
}

"""Regenerates testdata/known-batches.ts's hex (run from this folder; needs the lz4 and zstd CLIs).
Written from the spec's byte layout, independently of the TypeScript codec, so that the
known-answer tests compare two implementations.
"""
import struct, gzip, subprocess
def crc32c(data):
    crc = 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xffffffff
r0 = bytes([0x18, 0x00, 0x06, 0x00, 0x02]) + b'k' + bytes([0x04]) + b'v1' + bytes([0x02, 0x02]) + b'h' + bytes([0x01])
r1 = bytes([0x0c, 0x00, 0x01, 0x02, 0x01, 0x00, 0x00])
records = r0 + r1
def batch(attrs, body):
    after_crc = struct.pack('>hiqqqhii', attrs, 1, 1000, 1003, 42, 3, 10, 2) + body
    crc = crc32c(after_crc)
    rest = struct.pack('>ib', 7, 2) + struct.pack('>I', crc) + after_crc
    return struct.pack('>qi', 5, len(rest)) + rest
print('records', records.hex())
print('none', batch(0, records).hex())
gz = gzip.compress(records, mtime=0)
print('gzip', batch(1, gz).hex())
raw = bytes([len(records), (len(records)-1) << 2]) + records
print('snappy-raw', batch(2, raw).hex())
xerial = b'\x82SNAPPY\x00' + struct.pack('>ii', 1, 1) + struct.pack('>i', len(raw)) + raw
print('snappy-xerial', batch(2, xerial).hex())
open('/tmp/records.bin','wb').write(records)
lz = subprocess.run(['lz4','-q','-c','--content-size','-BX','/tmp/records.bin'], capture_output=True).stdout
print('lz4', batch(3, lz).hex())
zs = subprocess.run(['zstd','-q','-c','/tmp/records.bin'], capture_output=True).stdout
print('zstd', batch(4, zs).hex())
print('crc-check', hex(crc32c(b'123456789')))

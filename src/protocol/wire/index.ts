export { DecodeError } from './decode-error.ts';
export { Reader } from './reader.ts';
export { Writer } from './writer.ts';
export { ZERO_UUID, uuidFromBytes, uuidToBytes, uuidToBase64, uuidFromBase64 } from './uuid.ts';
export { crc32c } from './crc32c.ts';

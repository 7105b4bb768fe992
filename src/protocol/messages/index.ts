export * from './generated/index.ts';
export { EMPTY_BUFFER, EncodeError, type TaggedField } from './runtime.ts';
export {
  decodeRequestFrameBody,
  decodeRequestHeaderFrom,
  decodeResponseFrame,
  encodeRequestFrame,
  encodeResponseFrame,
  requestHeaderVersion,
  responseHeaderVersion,
  type RequestHeader,
} from './frame.ts';

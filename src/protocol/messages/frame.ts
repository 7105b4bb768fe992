import { DecodeError, Reader, Writer } from '../wire/index.ts';
import {
  ApiKey,
  decodeRequestBody,
  decodeRequestHeader,
  decodeResponseBody,
  decodeResponseHeader,
  encodeRequestBody,
  encodeRequestHeader,
  encodeResponseBody,
  encodeResponseHeader,
  isFlexibleVersion,
  type ApiKeyNumber,
  type RequestBodies,
  type RequestInputs,
  type ResponseBodies,
  type ResponseInputs,
} from './generated/index.ts';

/**
 * Framing of Kafka requests and responses: int32 size, header, body. Header versions follow the
 * body's flexibility (KIP-482): request header v2 / response header v1 for flexible versions,
 * else v1 / v0 — except ApiVersions responses, which always use header v0 so a client that does not
 * yet know the broker's versions can read them (KIP-511).
 */

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  return isFlexibleVersion(apiKey, apiVersion) ? 2 : 1;
}

export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ApiVersions) return 0;
  return isFlexibleVersion(apiKey, apiVersion) ? 1 : 0;
}

/**
 * Reads the request header from a frame (without its size prefix). The body is left for
 * `decodeRequestFrameBody`, so a broker can answer unknown keys or versions from the header alone
 * (an unknown version's header is read as v1: api key, version, correlation id, client id).
 */
export function decodeRequestHeaderFrom(r: Reader): RequestHeader {
  if (r.remaining < 8) throw new DecodeError(`request header needs 8 bytes, have ${r.remaining}`);
  const apiKey = r.buf.readInt16BE(r.pos);
  const apiVersion = r.buf.readInt16BE(r.pos + 2);
  const h = decodeRequestHeader(r, requestHeaderVersion(apiKey, apiVersion));
  return { apiKey: h.requestApiKey, apiVersion: h.requestApiVersion, correlationId: h.correlationId, clientId: h.clientId };
}

export function decodeRequestFrameBody<K extends ApiKeyNumber>(apiKey: K, apiVersion: number, r: Reader): RequestBodies[K] {
  return decodeRequestBody(apiKey, apiVersion, r);
}

/** Encodes a request with its size prefix, as chunks for `writev`. */
export function encodeRequestFrame<K extends ApiKeyNumber>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  clientId: string | null,
  body: RequestInputs[K],
): Buffer[] {
  const w = new Writer(256);
  const size = w.reserve(4);
  encodeRequestHeader(w, requestHeaderVersion(apiKey, apiVersion), {
    requestApiKey: apiKey,
    requestApiVersion: apiVersion,
    correlationId,
    clientId,
  });
  encodeRequestBody(apiKey, apiVersion, w, body);
  size.writeInt32BE(w.length - 4, 0);
  return w.finish();
}

/** Encodes a response with its size prefix, as chunks for `writev`. */
export function encodeResponseFrame<K extends ApiKeyNumber>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  body: ResponseInputs[K],
): Buffer[] {
  const w = new Writer(256);
  const size = w.reserve(4);
  encodeResponseHeader(w, responseHeaderVersion(apiKey, apiVersion), { correlationId });
  encodeResponseBody(apiKey, apiVersion, w, body);
  size.writeInt32BE(w.length - 4, 0);
  return w.finish();
}

/** Decodes a response frame (without its size prefix) for a request the caller sent. */
export function decodeResponseFrame<K extends ApiKeyNumber>(
  apiKey: K,
  apiVersion: number,
  frame: Buffer,
): { correlationId: number; body: ResponseBodies[K] } {
  const r = new Reader(frame);
  const header = decodeResponseHeader(r, responseHeaderVersion(apiKey, apiVersion));
  const body = decodeResponseBody(apiKey, apiVersion, r);
  return { correlationId: header.correlationId, body };
}

import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import {
  API_INFO,
  ApiKey,
  ErrorCode,
  decodeRequestFrameBody,
  decodeRequestHeaderFrom,
  encodeResponseFrame,
  type ApiKeyNumber,
  type RequestHeader,
} from '../../src/protocol/messages/index.ts';
import { Reader } from '../../src/protocol/wire/index.ts';
import { CaptureCluster } from './capture-handlers.ts';

/**
 * A TCP server on 127.0.0.1 that records every request frame exactly as a client sent it and
 * answers (through CaptureCluster and the generated codec) well enough for the client to finish.
 * The recorded frames become golden fixtures (scripts/capture-golden.ts) and are checked live
 * (live-kcat.test.ts). Anything it cannot answer closes the connection, which clients report.
 */

export interface CapturedRequest {
  /** Which connection, numbered from 1 in accept order. */
  readonly connection: number;
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  /** The request frame as received, without its 4-byte size prefix. */
  readonly frame: Buffer;
}

export interface CaptureServerOptions {
  /** Partitions of every auto-created topic (default 1). */
  readonly partitions?: number;
  /** Longest wait of a Fetch that finds no data (default 100 ms). */
  readonly emptyFetchWaitMs?: number;
}

export interface CaptureServer {
  readonly port: number;
  /** Every request received so far, in arrival order. */
  readonly requests: readonly CapturedRequest[];
  readonly cluster: CaptureCluster;
  close(): Promise<void>;
}

/** Larger frames are not something a capture session sends; treat them as garbage. */
const MAX_FRAME = 16 * 1024 * 1024;

export async function startCaptureServer(options: CaptureServerOptions = {}): Promise<CaptureServer> {
  const closing = new AbortController();
  const sockets = new Set<Socket>();
  const requests: CapturedRequest[] = [];
  let connections = 0;
  let cluster: CaptureCluster | undefined;

  const server: Server = createServer((socket) => {
    const connection = ++connections;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending: Buffer = Buffer.alloc(0);
    // Responses must leave in request order (clients pipeline), so frames are served one by one.
    let queue = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0);
        if (size < 8 || size > MAX_FRAME) return void socket.destroy();
        if (pending.length < 4 + size) break;
        const frame = Buffer.from(pending.subarray(4, 4 + size));
        pending = pending.subarray(4 + size);
        let header: RequestHeader;
        try {
          header = decodeRequestHeaderFrom(new Reader(frame));
        } catch {
          return void socket.destroy();
        }
        requests.push({ connection, ...header, frame });
        queue = queue.then(() => serve(socket, header, frame, cluster!)).catch(() => void socket.destroy());
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('capture server has no TCP address');
  cluster = new CaptureCluster({
    host: '127.0.0.1',
    port: address.port,
    partitions: options.partitions ?? 1,
    emptyFetchWaitMs: options.emptyFetchWaitMs ?? 100,
    sleep: (ms) => delay(ms, undefined, { signal: closing.signal }).catch(() => undefined),
  });

  return {
    port: address.port,
    requests,
    cluster,
    close: async () => {
      closing.abort();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function serve(socket: Socket, header: RequestHeader, frame: Buffer, cluster: CaptureCluster): Promise<void> {
  const { apiKey, apiVersion, correlationId } = header;
  const info = API_INFO[apiKey];
  if (apiKey === ApiKey.ApiVersions && info !== undefined && apiVersion > info.maxVersion) {
    // KIP-511: a version we do not know gets a v0 body (header v0), UNSUPPORTED_VERSION, and only
    // our ApiVersions range, so the client can retry with a version we speak.
    const body = { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: [{ apiKey, minVersion: info.minVersion, maxVersion: info.maxVersion }] };
    socket.write(Buffer.concat(encodeResponseFrame(ApiKey.ApiVersions, 0, correlationId, body)));
    return;
  }
  const handler = cluster.handlers[apiKey as ApiKeyNumber] as
    | ((request: unknown, header: RequestHeader) => unknown)
    | undefined;
  if (info === undefined || handler === undefined || apiVersion < info.minVersion || apiVersion > info.maxVersion) {
    socket.destroy();
    return;
  }
  const reader = new Reader(frame);
  decodeRequestHeaderFrom(reader);
  const request = decodeRequestFrameBody(apiKey as ApiKeyNumber, apiVersion, reader);
  const body = await handler(request, header);
  if (body === null) return; // Produce with acks=0 gets no response at all.
  socket.write(Buffer.concat(encodeResponseFrame(apiKey as ApiKeyNumber, apiVersion, correlationId, body as never)));
}

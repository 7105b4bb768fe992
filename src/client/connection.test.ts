import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ApiKey, ErrorCode, decodeRequestHeaderFrom, encodeResponseFrame, type RequestHeader } from '../protocol/messages/index.ts';
import { Reader } from '../protocol/wire/index.ts';
import { negotiateVersions } from './api-versions.ts';
import { CLIENT_SOFTWARE } from './broker.ts';
import { Connection } from './connection.ts';
import { ConnectionError, RequestTimeoutError } from './errors.ts';
import { FrameDecoder } from './frame-decoder.ts';

/**
 * A scripted fake broker: `respond` decides, per request header, what to write back (frames as
 * chunks, possibly split or reordered) or to stay silent. Only what these tests need.
 */
type Responder = (h: RequestHeader, socket: Socket) => void;

async function fakeBroker(respond: Responder): Promise<{ port: number; server: Server; seen: RequestHeader[] }> {
  const seen: RequestHeader[] = [];
  const server = createServer((socket) => {
    const decoder = new FrameDecoder(1 << 20);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        const h = decodeRequestHeaderFrom(new Reader(frame));
        seen.push(h);
        respond(h, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return { port: address.port, server, seen };
}

const apiVersionsBody = (maxApiVersions: number) => ({
  errorCode: 0,
  apiKeys: [
    { apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: maxApiVersions },
    { apiKey: ApiKey.Metadata, minVersion: 0, maxVersion: 9 },
  ],
});

describe('connection', () => {
  let broker: Awaited<ReturnType<typeof fakeBroker>>;
  /** Correlation ids whose response the fake holds back until the next request arrives. */
  const held: Array<() => void> = [];

  before(async () => {
    broker = await fakeBroker((h, socket) => {
      const reply = (): void => {
        socket.write(Buffer.concat(encodeResponseFrame(ApiKey.Heartbeat, 0, h.correlationId, { errorCode: h.correlationId % 100 })));
      };
      if (h.apiKey !== ApiKey.Heartbeat) return;
      if (h.clientId === 'silent') return;
      if (h.clientId === 'hangup') {
        if (h.correlationId === 2) socket.destroy();
        return;
      }
      if (h.clientId === 'reorder' && held.length === 0) return void held.push(reply);
      reply();
      for (const r of held.splice(0)) r();
    });
  });
  after(() => new Promise<void>((resolve) => broker.server.close(() => resolve())));

  test('pipelines requests and matches responses by correlation id, even out of order', async () => {
    const conn = await Connection.connect({ host: '127.0.0.1', port: broker.port }, { clientId: 'reorder' });
    const body = { groupId: 'g', generationId: 1, memberId: 'm' };
    const [a, b] = await Promise.all([conn.request(ApiKey.Heartbeat, 0, body), conn.request(ApiKey.Heartbeat, 0, body)]);
    // The fake echoes the correlation id in the error code: ids 1 and 2, answered 2 then 1.
    assert.deepEqual([a.errorCode, b.errorCode], [1, 2]);
    conn.close();
  });

  test('a request timeout fails that request and closes the connection, failing the others in flight', async () => {
    const conn = await Connection.connect({ host: '127.0.0.1', port: broker.port }, { clientId: 'silent', requestTimeoutMs: 50 });
    const body = { groupId: 'g', generationId: 1, memberId: 'm' };
    const first = conn.request(ApiKey.Heartbeat, 0, body, { timeoutMs: 20 });
    const second = conn.request(ApiKey.Heartbeat, 0, body, { timeoutMs: 10_000 });
    await assert.rejects(first, RequestTimeoutError);
    await assert.rejects(second, ConnectionError);
    assert.equal(conn.closed, true);
    await assert.rejects(conn.request(ApiKey.Heartbeat, 0, body), ConnectionError);
  });

  test('an abort signal fails only its own request', async () => {
    const conn = await Connection.connect({ host: '127.0.0.1', port: broker.port }, { clientId: 'silent' });
    const ac = new AbortController();
    const p = conn.request(ApiKey.Heartbeat, 0, { groupId: 'g', generationId: 1, memberId: 'm' }, { signal: ac.signal });
    ac.abort();
    await assert.rejects(p, /aborted/);
    assert.equal(conn.closed, false);
    assert.equal(conn.inFlight, 0);
    conn.close();
  });

  test('the broker closing the socket fails every request in flight', async () => {
    const conn = await Connection.connect({ host: '127.0.0.1', port: broker.port }, { clientId: 'hangup' });
    const body = { groupId: 'g', generationId: 1, memberId: 'm' };
    // The fake hangs up on the second request of a 'hangup' client, answering neither.
    const pending = [conn.request(ApiKey.Heartbeat, 0, body), conn.request(ApiKey.Heartbeat, 0, body)];
    for (const p of pending) await assert.rejects(p, (e: unknown) => e instanceof ConnectionError && /closed/.test(e.message));
    assert.equal(conn.closed, true);
  });

  test('connecting to a closed port fails with ConnectionError', async () => {
    const closed = await fakeBroker(() => undefined);
    const port = closed.port;
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    await assert.rejects(Connection.connect({ host: '127.0.0.1', port }, { clientId: 'x' }), ConnectionError);
  });
});

describe('ApiVersions negotiation (KIP-511)', () => {
  test('falls back to the broker’s ApiVersions max after UNSUPPORTED_VERSION with a v0 body', async () => {
    const broker = await fakeBroker((h, socket) => {
      if (h.apiKey !== ApiKey.ApiVersions) return;
      if (h.apiVersion > 2) {
        // What Apache Kafka does for an unknown version: v0 body, error 35, only its ApiVersions range.
        const body = { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: [{ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 2 }] };
        socket.write(Buffer.concat(encodeResponseFrame(ApiKey.ApiVersions, 0, h.correlationId, body)));
      } else socket.write(Buffer.concat(encodeResponseFrame(ApiKey.ApiVersions, h.apiVersion, h.correlationId, apiVersionsBody(2))));
    });
    try {
      const conn = await Connection.connect({ host: '127.0.0.1', port: broker.port }, { clientId: 'neg' });
      const table = await negotiateVersions(conn, CLIENT_SOFTWARE);
      assert.deepEqual(broker.seen.map((h) => h.apiVersion), [4, 2]);
      assert.equal(table.pick(ApiKey.Metadata), 9);
      conn.close();
    } finally {
      await new Promise<void>((resolve) => broker.server.close(() => resolve()));
    }
  });

  test('a broker that answers v4 directly needs one round trip', async () => {
    const broker = await fakeBroker((h, socket) => {
      socket.write(Buffer.concat(encodeResponseFrame(ApiKey.ApiVersions, h.apiVersion, h.correlationId, apiVersionsBody(4))));
    });
    try {
      const conn = await Connection.connect({ host: '127.0.0.1', port: broker.port }, { clientId: 'neg' });
      await negotiateVersions(conn, CLIENT_SOFTWARE);
      assert.deepEqual(broker.seen.map((h) => [h.apiVersion, h.clientId]), [[4, 'neg']]);
      conn.close();
    } finally {
      await new Promise<void>((resolve) => broker.server.close(() => resolve()));
    }
  });
});

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  API_INFO,
  ApiKey,
  ErrorCode,
  decodeResponseFrame,
  encodeRequestFrame,
  type ApiKeyNumber,
  type RequestInputs,
} from '../../src/protocol/messages/index.ts';
import { buildBatch } from '../../src/protocol/records/index.ts';
import { Writer } from '../../src/protocol/wire/index.ts';
import { startCaptureServer, type CaptureServer } from './capture-server.ts';

/** The capture server's own contract: the parts clients depend on that a capture may not exercise. */

/** A raw connection that reads whole response frames (without their size prefix) in order. */
class RawClient {
  private readonly socket: Socket;
  private pending: Buffer = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private waiting: (() => void) | undefined;
  closed = false;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 4 && this.pending.length >= 4 + this.pending.readInt32BE(0)) {
        this.frames.push(this.pending.subarray(4, 4 + this.pending.readInt32BE(0)));
        this.pending = this.pending.subarray(4 + this.pending.readInt32BE(0));
      }
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
  }

  static async open(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new RawClient(socket);
  }

  send<K extends ApiKeyNumber>(apiKey: K, version: number, correlationId: number, body: RequestInputs[K]): void {
    this.socket.write(Buffer.concat(encodeRequestFrame(apiKey, version, correlationId, 'capture-test', body)));
  }

  sendRaw(frame: Buffer): void {
    this.socket.write(frame);
  }

  /** The next response frame, or undefined once the server has closed the connection. */
  async next(): Promise<Buffer | undefined> {
    while (this.frames.length === 0 && !this.closed) await new Promise<void>((resolve) => (this.waiting = resolve));
    return this.frames.shift();
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A request header v1 for an API version the codec cannot encode, followed by junk. */
function headerOnlyFrame(apiKey: number, version: number, correlationId: number): Buffer {
  const w = new Writer(64);
  w.int16(apiKey).int16(version).int32(correlationId).nullableString('capture-test').raw(Buffer.from([0xde, 0xad]));
  const body = w.toBuffer();
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

describe('capture server', () => {
  let server: CaptureServer;
  before(async () => {
    server = await startCaptureServer({ emptyFetchWaitMs: 10 });
  });
  after(() => server.close());

  it('answers an ApiVersions version it does not know as KIP-511 says', async () => {
    const client = await RawClient.open(server.port);
    client.sendRaw(headerOnlyFrame(ApiKey.ApiVersions, 99, 7));
    const frame = await client.next();
    assert.ok(frame);
    const { correlationId, body } = decodeResponseFrame(ApiKey.ApiVersions, 0, frame);
    assert.equal(correlationId, 7);
    assert.equal(body.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    assert.deepEqual(body.apiKeys.map((k) => [k.apiKey, k.minVersion, k.maxVersion]), [[ApiKey.ApiVersions, API_INFO[ApiKey.ApiVersions]!.minVersion, API_INFO[ApiKey.ApiVersions]!.maxVersion]]);
    client.close();
  });

  it('advertises Produce from v0, so librdkafka 2.0.2 compresses', async () => {
    const client = await RawClient.open(server.port);
    client.send(ApiKey.ApiVersions, 3, 1, { clientSoftwareName: 'test', clientSoftwareVersion: '0' });
    const { body } = decodeResponseFrame(ApiKey.ApiVersions, 3, (await client.next())!);
    const produce = body.apiKeys.find((k) => k.apiKey === ApiKey.Produce);
    assert.deepEqual([produce?.minVersion, produce?.maxVersion], [0, API_INFO[ApiKey.Produce]!.maxVersion]);
    client.close();
  });

  it('sends nothing back for acks=0 and keeps later responses in order', async () => {
    const client = await RawClient.open(server.port);
    const records = buildBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('v') }] });
    const produce = (acks: number) => ({ acks, timeoutMs: 1000, topicData: [{ name: 'acks', partitionData: [{ index: 0, records }] }] });
    client.send(ApiKey.Produce, 7, 1, produce(0));
    client.send(ApiKey.Produce, 7, 2, produce(1));
    const { correlationId, body } = decodeResponseFrame(ApiKey.Produce, 7, (await client.next())!);
    assert.equal(correlationId, 2);
    // The acks=0 batch still landed at offset 0, so this one is at 1.
    assert.equal(body.responses[0]?.partitionResponses[0]?.baseOffset, 1n);
    assert.equal(server.cluster.batches('acks', 0).length, 2);
    client.close();
  });

  it('answers a Fetch of an empty partition with empty records, never null', async () => {
    const client = await RawClient.open(server.port);
    const fetch = { maxWaitMs: 5000, minBytes: 1, topics: [{ topic: 'empty', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1024 }] }] };
    client.send(ApiKey.Fetch, 11, 3, fetch);
    const { body } = decodeResponseFrame(ApiKey.Fetch, 11, (await client.next())!);
    const partition = body.responses[0]?.partitions[0];
    assert.equal(partition?.errorCode, ErrorCode.NONE);
    assert.equal(partition?.highWatermark, 0n);
    assert.deepEqual(partition?.records, Buffer.alloc(0));
    client.close();
  });

  it('closes the connection on an API it does not serve, after recording the request', async () => {
    const client = await RawClient.open(server.port);
    client.send(ApiKey.DeleteTopics, 1, 9, { topicNames: ['x'], timeoutMs: 1000 });
    assert.equal(await client.next(), undefined);
    assert.ok(client.closed);
    assert.ok(server.requests.some((r) => r.apiKey === ApiKey.DeleteTopics && r.correlationId === 9));
  });
});

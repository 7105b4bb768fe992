import { connect } from 'node:net';
import { ApiKey, decodeResponseFrame, encodeRequestFrame, type ResponseBodies } from '../../src/protocol/messages/index.ts';

/**
 * One Metadata request (v12, all topics) on a fresh connection, decoded with our own codec. This is
 * how a harness knows a broker — Apache Kafka's or Gregor's — is ready: its port accepting is not
 * enough, Kafka answers Metadata only once the broker has registered with its controller.
 */
export function fetchMetadata(host: string, port: number, timeoutMs: number): Promise<ResponseBodies[typeof ApiKey.Metadata]> {
  const version = 12;
  const correlationId = 1;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let pending = Buffer.alloc(0);
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`Metadata from ${host}:${port}: no answer in ${timeoutMs} ms`)));
    socket.once('error', fail);
    socket.once('close', () => fail(new Error(`Metadata from ${host}:${port}: connection closed`)));
    socket.once('connect', () => {
      for (const chunk of encodeRequestFrame(ApiKey.Metadata, version, correlationId, 'gregor-peer-probe', { topics: null })) socket.write(chunk);
    });
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (pending.length < 4 || pending.length < 4 + pending.readInt32BE(0)) return;
      try {
        const decoded = decodeResponseFrame(ApiKey.Metadata, version, pending.subarray(4, 4 + pending.readInt32BE(0)));
        socket.removeAllListeners('close');
        socket.destroy();
        if (decoded.correlationId !== correlationId) throw new Error(`Metadata: correlation id ${decoded.correlationId}`);
        resolve(decoded.body);
      } catch (error) {
        fail(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}

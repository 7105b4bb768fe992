import { connect, type Socket } from 'node:net';
import {
  decodeResponseFrame,
  encodeRequestFrame,
  type ApiKeyNumber,
  type RequestInputs,
  type ResponseBodies,
} from '../../src/protocol/messages/index.ts';

/**
 * A bare Kafka connection for broker tests: sends frames (well-formed or not) and collects response
 * frames in arrival order. Not a client: no retries, no version negotiation.
 */
export class RawClient {
  readonly socket: Socket;
  readonly frames: Buffer[] = [];
  /** Resolves when the broker closes the connection (or it errors). */
  readonly closed: Promise<void>;
  #pending = Buffer.alloc(0);
  #waiters: Array<() => void> = [];
  #correlation = 1;

  private constructor(socket: Socket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        resolve();
        for (const w of this.#waiters.splice(0)) w();
      });
    });
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      this.#pending = Buffer.concat([this.#pending, chunk]);
      while (this.#pending.length >= 4) {
        const size = this.#pending.readInt32BE(0);
        if (this.#pending.length < 4 + size) break;
        this.frames.push(this.#pending.subarray(4, 4 + size));
        this.#pending = this.#pending.subarray(4 + size);
      }
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  nextCorrelationId(): number {
    return this.#correlation++;
  }

  /** Sends a request frame; returns its correlation id. */
  send<K extends ApiKeyNumber>(apiKey: K, version: number, body: RequestInputs[K], correlationId = this.nextCorrelationId()): number {
    for (const c of encodeRequestFrame(apiKey, version, correlationId, 'raw-client', body)) this.socket.write(c);
    return correlationId;
  }

  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Waits until `n` response frames have arrived (rejects if the connection closes first). */
  async waitFrames(n: number): Promise<Buffer[]> {
    while (this.frames.length < n) {
      if (this.socket.destroyed) throw new Error(`connection closed after ${this.frames.length} of ${n} responses`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    return this.frames.slice(0, n);
  }

  /** Sends one request and decodes its response (the next frame to arrive). */
  async request<K extends ApiKeyNumber>(apiKey: K, version: number, body: RequestInputs[K]): Promise<ResponseBodies[K]> {
    const index = this.frames.length;
    const correlationId = this.send(apiKey, version, body);
    const frames = await this.waitFrames(index + 1);
    const decoded = decodeResponseFrame(apiKey, version, frames[index] as Buffer);
    if (decoded.correlationId !== correlationId) throw new Error(`expected correlation id ${correlationId}, got ${decoded.correlationId}`);
    return decoded.body;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Encodes a request frame without sending it (for splitting, truncating, corrupting). */
export function frameBytes<K extends ApiKeyNumber>(apiKey: K, version: number, correlationId: number, body: RequestInputs[K]): Buffer {
  return Buffer.concat(encodeRequestFrame(apiKey, version, correlationId, 'raw-client', body));
}

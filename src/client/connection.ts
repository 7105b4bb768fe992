import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  decodeResponseFrame,
  encodeRequestFrame,
  type ApiKeyNumber,
  type RequestInputs,
  type ResponseBodies,
} from '../protocol/messages/index.ts';
import { silentLogger, type Logger } from '../util/index.ts';
import { ConnectionError, RequestAbortedError, RequestTimeoutError } from './errors.ts';
import { FrameDecoder } from './frame-decoder.ts';

export interface BrokerAddress {
  host: string;
  port: number;
}

/**
 * Opens the byte stream to a broker. The default is plain TCP; TLS plugs in here
 * (`tls.connect`), and SASL in `ConnectionOptions.authenticate`, without touching the framing.
 * The returned stream must already be connected (or secured).
 */
export type SocketFactory = (address: BrokerAddress, signal: AbortSignal) => Promise<Duplex>;

export interface ConnectionOptions {
  clientId: string;
  socketFactory?: SocketFactory;
  connectTimeoutMs?: number;
  /** Default per-request timeout (Java's request.timeout.ms, 30 s). */
  requestTimeoutMs?: number;
  /** Largest response frame accepted (a bound on memory, not a protocol limit). */
  maxFrameBytes?: number;
  logger?: Logger;
}

export interface RequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Produce with acks=0 gets no response: resolve once written. */
  expectResponse?: boolean;
}

interface InFlight {
  apiKey: number;
  resolve(frame: Buffer): void;
  reject(error: Error): void;
  cleanup(): void;
}

export const tcpSocketFactory: SocketFactory = (address, signal) =>
  new Promise((resolve, reject) => {
    const socket = netConnect({ host: address.host, port: address.port, signal });
    socket.setNoDelay(true);
    const onError = (error: Error): void => reject(error);
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });

/**
 * One TCP connection to one broker: frames requests, numbers them with correlation ids, and
 * pipelines them (many in flight; the broker answers in order, but responses are matched by id).
 * A failure of the connection fails every request in flight. A request that times out closes the
 * connection, as Java's NetworkClient does: a broker that stopped answering one request is not
 * trusted with the others.
 */
export class Connection {
  readonly address: BrokerAddress;
  readonly #socket: Duplex;
  readonly #options: ConnectionOptions;
  readonly #inFlight = new Map<number, InFlight>();
  readonly #decoder: FrameDecoder;
  readonly #logger: Logger;
  #nextCorrelationId = 1;
  #closedWith: Error | null = null;
  readonly #closeListeners: Array<(error: Error) => void> = [];

  private constructor(address: BrokerAddress, socket: Duplex, options: ConnectionOptions) {
    this.address = address;
    this.#socket = socket;
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#decoder = new FrameDecoder(options.maxFrameBytes ?? 512 * 1024 * 1024);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (error: Error) => this.#fail(new ConnectionError(`connection to ${this.describe()} failed: ${error.message}`, error)));
    socket.on('close', () => this.#fail(new ConnectionError(`connection to ${this.describe()} closed`)));
  }

  static async connect(address: BrokerAddress, options: ConnectionOptions): Promise<Connection> {
    const factory = options.socketFactory ?? tcpSocketFactory;
    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const socket = await factory(address, signal);
      return new Connection(address, socket, options);
    } catch (error) {
      const why = signal.aborted ? `timed out after ${timeoutMs} ms` : (error as Error).message;
      throw new ConnectionError(`cannot connect to ${address.host}:${address.port}: ${why}`, error);
    }
  }

  describe(): string {
    return `${this.address.host}:${this.address.port}`;
  }

  get closed(): boolean {
    return this.#closedWith !== null;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  onClose(listener: (error: Error) => void): void {
    if (this.#closedWith !== null) listener(this.#closedWith);
    else this.#closeListeners.push(listener);
  }

  /** Sends a request and decodes its response at the version it was sent with. */
  async request<K extends ApiKeyNumber>(
    apiKey: K,
    version: number,
    body: RequestInputs[K],
    options: RequestOptions = {},
  ): Promise<ResponseBodies[K]> {
    const frame = await this.requestFrame(apiKey, version, body, options);
    if (frame === null) return undefined as never;
    return decodeResponseFrame(apiKey, version, frame).body;
  }

  /**
   * Sends a request and returns the raw response frame (header included, size prefix not), for
   * callers that must look at the bytes first (ApiVersions, KIP-511). Null when no response is expected.
   */
  requestFrame<K extends ApiKeyNumber>(
    apiKey: K,
    version: number,
    body: RequestInputs[K],
    options: RequestOptions = {},
  ): Promise<Buffer | null> {
    if (this.#closedWith !== null) return Promise.reject(this.#closedWith);
    const correlationId = this.#nextCorrelationId;
    this.#nextCorrelationId = this.#nextCorrelationId === 0x7fffffff ? 1 : this.#nextCorrelationId + 1;
    const chunks = encodeRequestFrame(apiKey, version, correlationId, this.#options.clientId, body);
    if (options.expectResponse === false) {
      return new Promise((resolve, reject) => {
        this.#write(chunks, (error) => (error ? reject(new ConnectionError(`write to ${this.describe()} failed`, error)) : resolve(null)));
      });
    }
    return new Promise<Buffer>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.#options.requestTimeoutMs ?? 30_000;
      const timer = setTimeout(() => {
        const error = new RequestTimeoutError(`request ${apiKey} v${version} to ${this.describe()} got no response in ${timeoutMs} ms`);
        entry.reject(error);
        this.close(new ConnectionError(`connection to ${this.describe()} closed after a request timed out`, error));
      }, timeoutMs);
      timer.unref();
      const onAbort = (): void => entry.reject(new RequestAbortedError(`request ${apiKey} to ${this.describe()} aborted`, options.signal?.reason));
      const entry: InFlight = {
        apiKey,
        resolve: (frame) => {
          entry.cleanup();
          resolve(frame);
        },
        reject: (error) => {
          entry.cleanup();
          reject(error);
        },
        cleanup: () => {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          // A late response to an abandoned request is read and dropped (its id is unknown).
          this.#inFlight.delete(correlationId);
        },
      };
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.#inFlight.set(correlationId, entry);
      this.#write(chunks, (error) => {
        if (error) entry.reject(new ConnectionError(`write to ${this.describe()} failed`, error));
      });
    });
  }

  /** Closes the socket; requests in flight fail with `reason`. Idempotent. */
  close(reason?: Error): void {
    this.#fail(reason ?? new ConnectionError(`connection to ${this.describe()} closed by the client`));
    this.#socket.destroy();
  }

  #write(chunks: Buffer[], done: (error: Error | null | undefined) => void): void {
    // cork/uncork hands all chunks of the frame to the kernel in one writev.
    this.#socket.cork();
    for (let i = 0; i < chunks.length - 1; i++) this.#socket.write(chunks[i]!);
    this.#socket.write(chunks[chunks.length - 1]!, done);
    this.#socket.uncork();
  }

  #onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (error) {
      this.close(new ConnectionError(`bad response frame from ${this.describe()}: ${(error as Error).message}`, error));
      return;
    }
    for (const frame of frames) {
      if (frame.length < 4) {
        this.close(new ConnectionError(`response frame of ${frame.length} bytes from ${this.describe()}`));
        return;
      }
      const correlationId = frame.readInt32BE(0);
      const entry = this.#inFlight.get(correlationId);
      if (entry === undefined) {
        this.#logger.debug('response to an abandoned request dropped', { broker: this.describe(), correlationId });
        continue;
      }
      entry.resolve(frame);
    }
  }

  #fail(error: Error): void {
    if (this.#closedWith !== null) return;
    this.#closedWith = error;
    for (const entry of [...this.#inFlight.values()]) entry.reject(error);
    for (const listener of this.#closeListeners.splice(0)) listener(error);
  }
}

import type { Socket } from 'node:net';
import { readBufferPool, type Clock, type Logger } from '../util/index.ts';
import type { ConnectionInfo } from './handlers/handler.ts';
import type { Outcome, Router } from './router.ts';

export interface ConnectionLimits {
  /** `socket.request.max.bytes`: a larger size prefix closes the connection before the body is read. */
  readonly maxRequestBytes: number;
  /** Requests in flight (received, not yet answered) before reading pauses (`queued.max.requests`). */
  readonly maxInFlight: number;
  /** Response bytes queued in the socket before reading pauses. */
  readonly maxQueuedResponseBytes: number;
}

/** One request's place in the response order; `outcome` is set when its handler finishes. */
interface Slot {
  outcome: Outcome | undefined;
}

/**
 * One client connection: int32-size framing, pipelined requests answered strictly in request order
 * (Kafka clients match responses by order as well as correlation id), back-pressure, and the closing
 * rules of Kafka's `SocketServer`. Per-connection state only; no timers (idle reaping is one sweep
 * in server.ts over `lastActivity`).
 */
export class Connection {
  readonly info: ConnectionInfo;
  /** Clock time of the last byte read or response written. */
  lastActivity: number;

  readonly #socket: Socket;
  readonly #router: Router;
  readonly #limits: ConnectionLimits;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #abort = new AbortController();
  #chunks: Buffer[] = [];
  #buffered = 0;
  readonly #queue: Slot[] = [];
  #paused = false;
  /** No more requests are read (closing, draining for shutdown, or closed). */
  #stopped = false;
  #drained: (() => void) | undefined;

  constructor(socket: Socket, info: ConnectionInfo, deps: { router: Router; limits: ConnectionLimits; clock: Clock; logger: Logger }) {
    this.#socket = socket;
    this.info = info;
    this.#router = deps.router;
    this.#limits = deps.limits;
    this.#clock = deps.clock;
    this.#logger = deps.logger;
    this.lastActivity = this.#clock.now();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => this.#maybeResume());
    socket.on('error', (error) => this.#logger.debug('connection error', { connection: info.id, error: error.message }));
    socket.on('close', () => {
      this.#stopped = true;
      this.#abort.abort();
      this.#drained?.();
    });
  }

  /** Requests received and not yet answered. */
  get inFlight(): number {
    return this.#queue.length;
  }

  get closed(): boolean {
    return this.#socket.destroyed;
  }

  /** Whether reading is paused by back-pressure. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Closes at once, dropping unanswered requests. */
  close(reason: string): void {
    if (this.#socket.destroyed) return;
    this.#logger.info(`closing connection: ${reason}`, { connection: this.info.id, remote: this.#remote() });
    this.#stopped = true;
    this.#socket.destroy();
  }

  /** Stops reading, answers the requests already received, then ends the connection (graceful shutdown). */
  drain(): Promise<void> {
    this.#stopped = true;
    this.#socket.pause();
    // Handlers waiting on something (a Fetch long poll) answer now with what they have.
    this.#abort.abort();
    if (this.#queue.length === 0 || this.#socket.destroyed) {
      this.#socket.end();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#drained = () => {
        this.#drained = undefined;
        this.#socket.end();
        resolve();
      };
    });
  }

  #onData(chunk: Buffer): void {
    // After a close or drain decision nothing more is read; dropping keeps a flooding peer from growing the buffer.
    if (this.#stopped) return;
    this.lastActivity = this.#clock.now();
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    this.#readFrames();
  }

  #readFrames(): void {
    while (!this.#stopped && this.#buffered >= 4) {
      if (this.#blocked()) {
        if (!this.#paused) {
          this.#paused = true;
          this.#socket.pause();
        }
        return;
      }
      const size = this.#peekInt32();
      if (size < 0 || size > this.#limits.maxRequestBytes) {
        // Kafka's InvalidReceiveException: refuse before buffering a body this large.
        this.#logger.warn('closing connection: request size exceeds socket.request.max.bytes', {
          connection: this.info.id,
          remote: this.#remote(),
          size,
          max: this.#limits.maxRequestBytes,
        });
        this.#stopped = true;
        this.#socket.destroy();
        return;
      }
      if (this.#buffered < 4 + size) return;
      this.#dispatch(this.#take(4 + size).subarray(4));
    }
  }

  #dispatch(frame: Buffer): void {
    const slot: Slot = { outcome: undefined };
    this.#queue.push(slot);
    const result = this.#router.dispatch(frame, this.info, this.#abort.signal);
    if (result instanceof Promise) {
      void result.then((outcome) => {
        slot.outcome = outcome;
        this.#flush();
      });
    } else {
      slot.outcome = result;
      this.#flush();
    }
  }

  /** Writes every finished response at the head of the queue, in request order, corked into one writev. */
  #flush(): void {
    if (this.#queue[0]?.outcome === undefined) return;
    const socket = this.#socket;
    let corked = false;
    while (this.#queue[0]?.outcome !== undefined) {
      const outcome = (this.#queue.shift() as Slot).outcome as Outcome;
      if (socket.destroyed) continue;
      if (outcome.kind === 'respond') {
        if (!corked) {
          socket.cork();
          corked = true;
        }
        for (const c of outcome.chunks) {
          if (readBufferPool.owns(c)) socket.write(c, (error) => releaseAfterWrite(c, error));
          else socket.write(c);
        }
      } else if (outcome.kind === 'close') {
        this.#stopped = true;
        this.#queue.length = 0;
        if (corked) socket.uncork();
        corked = false;
        socket.end();
        socket.destroySoon();
        break;
      }
    }
    if (corked) socket.uncork();
    this.lastActivity = this.#clock.now();
    if (this.#queue.length === 0) this.#drained?.();
    this.#maybeResume();
  }

  #blocked(): boolean {
    return this.#queue.length >= this.#limits.maxInFlight || this.#socket.writableLength >= this.#limits.maxQueuedResponseBytes;
  }

  #maybeResume(): void {
    if (!this.#paused || this.#stopped || this.#blocked()) return;
    this.#paused = false;
    this.#socket.resume();
    this.#readFrames();
  }

  #peekInt32(): number {
    const first = this.#chunks[0] as Buffer;
    if (first.length >= 4) return first.readInt32BE(0);
    return Buffer.concat(this.#chunks, 4).readInt32BE(0);
  }

  /** Removes and returns the first `n` buffered bytes (a view when they lie in one chunk). */
  #take(n: number): Buffer {
    this.#buffered -= n;
    const first = this.#chunks[0] as Buffer;
    if (first.length >= n) {
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = this.#chunks[0] as Buffer;
      const use = Math.min(c.length, n - at);
      c.copy(out, at, 0, use);
      at += use;
      if (use === c.length) this.#chunks.shift();
      else this.#chunks[0] = c.subarray(use);
    }
    return out;
  }

  #remote(): string {
    return `${this.info.remoteAddress}:${this.info.remotePort}`;
  }
}

/**
 * Record bytes read from a log come from the read-buffer pool; once the socket has taken them (the
 * write's callback) the slab may serve the next read. A failed write (the socket was destroyed)
 * leaves the slab to the garbage collector: whether the kernel still looks at it is not knowable.
 */
function releaseAfterWrite(chunk: Buffer, error: Error | null | undefined): void {
  if (error === null || error === undefined) readBufferPool.release(chunk);
}

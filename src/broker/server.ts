import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Clock, Logger, Scheduler, Timer } from '../util/index.ts';
import { Connection, type ConnectionLimits } from './connection.ts';
import type { Router } from './router.ts';

export interface ConnectionStats {
  readonly id: number;
  readonly remotePort: number;
  readonly inFlight: number;
  readonly paused: boolean;
}

export interface ServerOptions {
  readonly listenerName: string;
  readonly host: string;
  readonly port: number;
  readonly limits: ConnectionLimits;
  /** `connections.max.idle.ms`; <= 0 disables reaping. */
  readonly maxIdleMs: number;
  readonly maxConnections: number;
  /** How long shutdown waits for in-flight requests before closing connections anyway. */
  readonly drainTimeoutMs?: number;
}

/**
 * The listening socket and its connections. Thousands of connections cost one Connection object each
 * and no timers: a single sweep, every tenth of the idle limit, closes connections idle for longer
 * than `connections.max.idle.ms` (Kafka's `Selector.maybeCloseOldestConnection`).
 */
export class BrokerServer {
  readonly #options: ServerOptions;
  readonly #router: Router;
  readonly #clock: Clock;
  readonly #scheduler: Scheduler;
  readonly #logger: Logger;
  readonly #connections = new Set<Connection>();
  readonly #server: Server;
  #nextId = 1;
  #sweep: Timer | undefined;
  #closing = false;

  constructor(options: ServerOptions, deps: { router: Router; clock: Clock; scheduler: Scheduler; logger: Logger }) {
    this.#options = options;
    this.#router = deps.router;
    this.#clock = deps.clock;
    this.#scheduler = deps.scheduler;
    this.#logger = deps.logger;
    this.#server = createServer({ noDelay: true }, (socket) => this.#accept(socket));
    this.#server.on('error', (error) => this.#logger.error('listener error', { error: error.message }));
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** A snapshot of every open connection, for tests and diagnostics. */
  connections(): ConnectionStats[] {
    return [...this.#connections].map((c) => ({ id: c.info.id, remotePort: c.info.remotePort, inFlight: c.inFlight, paused: c.paused }));
  }

  /** Binds the listener; resolves with the bound address (the real port when asked for port 0). */
  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.#server.once('error', onError);
      // An empty host in `listeners` (PLAINTEXT://:9092) means every interface, as in Kafka.
      const host = this.#options.host === '' ? undefined : this.#options.host;
      this.#server.listen({ host, port: this.#options.port }, () => {
        this.#server.off('error', onError);
        this.#scheduleSweep();
        resolve(this.#server.address() as AddressInfo);
      });
    });
  }

  /** Runs the idle sweep now (tests drive it with a ManualClock). */
  reapIdle(): number {
    const limit = this.#options.maxIdleMs;
    if (limit <= 0) return 0;
    const now = this.#clock.now();
    let closed = 0;
    for (const c of this.#connections) {
      if (c.inFlight === 0 && now - c.lastActivity > limit) {
        c.close(`idle for more than connections.max.idle.ms (${limit} ms)`);
        closed++;
      }
    }
    return closed;
  }

  /** Stops accepting, answers requests already received, then closes every connection. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#sweep?.cancel();
    const stopped = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    const drains = Promise.all([...this.#connections].map((c) => c.drain()));
    let timer: Timer | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = this.#scheduler.schedule(this.#options.drainTimeoutMs ?? 10_000, resolve);
    });
    await Promise.race([drains, timeout]);
    timer?.cancel();
    for (const c of this.#connections) c.close('broker shutting down');
    await stopped;
  }

  #accept(socket: Socket): void {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    if (this.#connections.size >= this.#options.maxConnections) {
      this.#logger.warn('refusing connection: max.connections reached', { max: this.#options.maxConnections, remote: socket.remoteAddress });
      socket.destroy();
      return;
    }
    const info = {
      id: this.#nextId++,
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      listenerName: this.#options.listenerName,
    };
    const connection = new Connection(socket, info, { router: this.#router, limits: this.#options.limits, clock: this.#clock, logger: this.#logger });
    this.#connections.add(connection);
    socket.on('close', () => this.#connections.delete(connection));
  }

  #scheduleSweep(): void {
    const limit = this.#options.maxIdleMs;
    if (limit <= 0 || this.#closing) return;
    this.#sweep = this.#scheduler.schedule(Math.max(10, Math.floor(limit / 10)), () => {
      this.reapIdle();
      this.#scheduleSweep();
    });
  }
}

import type { ApiKeyNumber, RequestInputs, ResponseBodies } from '../protocol/messages/index.ts';
import { negotiateVersions, type ClientSoftware, type VersionTable } from './api-versions.ts';
import { Connection, type BrokerAddress, type ConnectionOptions, type RequestOptions } from './connection.ts';

export interface BrokerOptions extends ConnectionOptions {
  software?: ClientSoftware;
  /**
   * Runs after ApiVersions on every new connection, before any other request: the place for
   * SASL (SaslHandshake + SaslAuthenticate) once it exists. A throw fails the connection attempt.
   */
  authenticate?: (connection: Connection, versions: VersionTable) => Promise<void>;
}

export const CLIENT_SOFTWARE: ClientSoftware = { name: 'gregor', version: '0.1.0' };

/**
 * One broker as the client sees it: an address, at most one connection (opened on first use and
 * reopened after a failure), and the API versions that connection negotiated. Version choice
 * happens here so callers build one request body per API and never chain versions.
 */
export class Broker {
  readonly nodeId: number;
  readonly address: BrokerAddress;
  readonly #options: BrokerOptions;
  #connecting: Promise<{ connection: Connection; versions: VersionTable }> | null = null;
  #closed = false;

  constructor(nodeId: number, address: BrokerAddress, options: BrokerOptions) {
    this.nodeId = nodeId;
    this.address = address;
    this.#options = options;
  }

  describe(): string {
    return `${this.nodeId < 0 ? 'bootstrap' : `broker ${this.nodeId}`} (${this.address.host}:${this.address.port})`;
  }

  /** The live connection and its versions, connecting (and negotiating) if there is none. */
  connect(): Promise<{ connection: Connection; versions: VersionTable }> {
    if (this.#closed) return Promise.reject(new Error(`${this.describe()} is closed`));
    if (this.#connecting !== null) return this.#connecting;
    const attempt = (async () => {
      const connection = await Connection.connect(this.address, this.#options);
      try {
        const versions = await negotiateVersions(connection, this.#options.software ?? CLIENT_SOFTWARE, this.#options.requestTimeoutMs);
        if (this.#options.authenticate !== undefined) await this.#options.authenticate(connection, versions);
        connection.onClose(() => {
          if (this.#connecting === attempt) this.#connecting = null;
        });
        return { connection, versions };
      } catch (error) {
        connection.close();
        throw error;
      }
    })();
    this.#connecting = attempt;
    attempt.catch(() => {
      if (this.#connecting === attempt) this.#connecting = null;
    });
    return attempt;
  }

  get connected(): boolean {
    return this.#connecting !== null;
  }

  /** The negotiated version of an API (connects first). */
  async version(apiKey: number): Promise<number> {
    return (await this.connect()).versions.pick(apiKey);
  }

  async supports(apiKey: number): Promise<boolean> {
    return (await this.connect()).versions.supports(apiKey);
  }

  /**
   * Sends a request at the negotiated version. `body` may depend on the version (fields renamed
   * or moved between versions, such as FindCoordinator's key → coordinatorKeys in v4).
   */
  async request<K extends ApiKeyNumber>(
    apiKey: K,
    body: RequestInputs[K] | ((version: number) => RequestInputs[K]),
    options: RequestOptions = {},
  ): Promise<ResponseBodies[K]> {
    const { connection, versions } = await this.connect();
    const version = versions.pick(apiKey);
    const input = typeof body === 'function' ? body(version) : body;
    return connection.request(apiKey, version, input, options);
  }

  close(): void {
    this.#closed = true;
    const pending = this.#connecting;
    this.#connecting = null;
    pending?.then(({ connection }) => connection.close()).catch(() => undefined);
  }
}

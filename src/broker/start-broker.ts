import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedMetadataStore, ensureMetaProperties } from '../cluster/index.ts';
import { ProducerIdManager, ProducerStateManager } from '../coordinator/index.ts';
import { GregorError, silentLogger, systemClock, systemScheduler, type Clock, type Logger, type Scheduler } from '../util/index.ts';
import { ConfigError, loadBrokerConfig, type BrokerConfig, type Listener } from './config/index.ts';
import type { AdvertisedEndpoint, AnyHandler, BrokerServices, Interceptor, InterceptOptions } from './handlers/handler.ts';
import { advanceSoleReplicaHighWatermarks } from './data/high-watermark.ts';
import { loadProducerStates } from './data/producer-states.ts';
import { createGroupCoordinator } from './groups.ts';
import { HandlerRegistry } from './handlers/registry.ts';
import { Interceptors } from './interceptors.ts';
import type { BrokerLogManager } from './log-manager.ts';
import { Router } from './router.ts';
import { StorageLogManager } from './storage-log-manager.ts';
import { BrokerServer, type ConnectionStats } from './server.ts';
import { TopicManager } from './topic-manager.ts';
import { createTransactionCoordinator } from './transactions.ts';

export interface BrokerDeps {
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly scheduler?: Scheduler;
  /** Replaces the log manager (tests, or a storage backend chosen by the caller). */
  readonly logManager?: (config: BrokerConfig) => BrokerLogManager | Promise<BrokerLogManager>;
  /** Replaces the handler table (tests of the network layer). */
  readonly handlers?: readonly AnyHandler[];
  /** Response bytes queued per connection before reading pauses; default 16 MiB. */
  readonly maxQueuedResponseBytes?: number;
}

export interface StartBrokerOptions extends BrokerDeps {
  /** Kafka property names and string values; `listeners` and `log.dirs` default to an ephemeral port and a temp dir. */
  readonly properties?: Readonly<Record<string, string>>;
  readonly configFile?: string;
  readonly overrides?: readonly string[];
}

export interface RunningBroker {
  /** `host:port` for a client's bootstrap servers. */
  readonly bootstrap: string;
  readonly host: string;
  readonly port: number;
  readonly nodeId: number;
  readonly clusterId: string;
  readonly logDirs: readonly string[];
  readonly services: BrokerServices;
  /** The network layer, for tests and diagnostics. */
  readonly network: {
    connections(): ConnectionStats[];
    /** Runs the idle-connection sweep now; returns how many connections it closed. */
    reapIdle(): number;
  };
  /** Installs a test interceptor (see handlers/handler.ts); returns its remover. */
  intercept(fn: Interceptor, options?: InterceptOptions): () => void;
  /** Stops accepting, answers in-flight requests, closes logs and the metadata store. */
  close(): Promise<void>;
}

/**
 * Starts a broker in this process, for tests and embedding: by default on 127.0.0.1 with an ephemeral
 * port and a fresh temporary data directory that `close()` removes. With a `configFile`, or when
 * `listeners`/`log.dirs` are given, those apply instead (and a given directory is kept).
 */
export async function startBroker(options: StartBrokerOptions = {}): Promise<RunningBroker> {
  const given = { ...options.properties };
  const setByCaller = (name: string): boolean =>
    name in given || (options.overrides ?? []).some((o) => o.startsWith(`${name}=`)) || options.configFile !== undefined;
  if (!setByCaller('listeners')) given['listeners'] = 'PLAINTEXT://127.0.0.1:0';
  let tempDir: string | undefined;
  if (!setByCaller('log.dirs') && !setByCaller('log.dir')) {
    tempDir = await mkdtemp(join(tmpdir(), 'gregor-broker-'));
    given['log.dirs'] = tempDir;
  }
  const sources = { properties: given, ...(options.configFile === undefined ? {} : { file: options.configFile }), ...(options.overrides === undefined ? {} : { overrides: options.overrides }) };
  try {
    const config = await loadBrokerConfig(sources);
    const broker = await launchBroker(config, options);
    if (tempDir === undefined) return broker;
    const dir = tempDir;
    return {
      ...broker,
      intercept: broker.intercept,
      close: async () => {
        await broker.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
    throw error;
  }
}

/** Starts a broker from a loaded configuration (what `gregor server` does). */
export async function launchBroker(config: BrokerConfig, deps: BrokerDeps = {}): Promise<RunningBroker> {
  const logger = deps.logger ?? silentLogger;
  const clock = deps.clock ?? systemClock;
  const scheduler = deps.scheduler ?? systemScheduler;
  const listener = clientListener(config);
  const nodeId = config.nodeId;

  for (const name of config.ignoredExplicit()) logger.warn('property accepted for compatibility but not applied', { property: name });

  const logDirs = config.logDirs;
  const first = await ensureMetaProperties(logDirs[0] ?? './data', nodeId);
  for (const dir of logDirs.slice(1)) await ensureMetaProperties(dir, nodeId, first.clusterId);
  // Idempotent producers: ids are reserved in blocks in the first log dir (each reservation is
  // written and fsynced before use); per-partition state lives in memory, snapshotted at shutdown.
  const producers = {
    ids: await ProducerIdManager.open(logDirs[0] ?? './data'),
    state: new ProducerStateManager({ clock, expirationMs: config.int('producer.id.expiration.ms'), logger }),
  };
  const stopProducerExpiry = producers.state.scheduleExpiry(scheduler);
  const metadata = await EmbeddedMetadataStore.open(logDirs[0] ?? './data', first.clusterId);
  const logs =
    deps.logManager === undefined
      ? await StorageLogManager.open(config, {
          clock,
          scheduler,
          logger,
          topicConfig: (name) => {
            const t = metadata.topic(name);
            return t === undefined ? undefined : config.topicConfig(t.configs);
          },
        })
      : await deps.logManager(config);
  advanceSoleReplicaHighWatermarks(metadata, logs, nodeId);
  loadProducerStates(metadata, logs, producers.state, nodeId, logger);
  const topics = new TopicManager({ config, metadata, logs, logger });
  const groups = createGroupCoordinator({ config, metadata, logs, topics, clock, scheduler, logger });
  let servicesRef: BrokerServices | undefined;
  const transactions = createTransactionCoordinator({
    config,
    metadata,
    logs,
    topics,
    groups,
    producerIds: producers.ids,
    services: () => servicesRef as BrokerServices,
    clock,
    scheduler,
    logger,
  });
  const registry = new HandlerRegistry(deps.handlers);
  const interceptors = new Interceptors();

  let advertised: AdvertisedEndpoint = { listenerName: listener.name, host: listener.host, port: listener.port };
  const services: BrokerServices = {
    nodeId,
    config,
    metadata,
    logs,
    topics,
    groups,
    producers,
    transactions,
    clock,
    scheduler,
    logger,
    advertised: () => advertised,
    apiVersions: () => registry.apiVersions(),
  };
  servicesRef = services;
  const router = new Router({ registry, interceptors, services, logger });
  const server = new BrokerServer(
    {
      listenerName: listener.name,
      host: listener.host,
      port: listener.port,
      limits: {
        maxRequestBytes: config.int('socket.request.max.bytes'),
        maxInFlight: config.int('queued.max.requests'),
        maxQueuedResponseBytes: deps.maxQueuedResponseBytes ?? 16 * 1024 * 1024,
      },
      maxIdleMs: config.int('connections.max.idle.ms'),
      maxConnections: config.int('max.connections'),
    },
    { router, clock, scheduler, logger },
  );

  try {
    // Logs the metadata no longer knows (topic deleted, or deleted and re-created under a new id while
    // this broker was down) are stray: Kafka's LogManager removes them at startup too.
    for (const dir of await logs.describeLogDirs()) {
      for (const p of dir.partitions) {
        const t = metadata.topic(p.topic);
        const storedId = logs.getLog(p.topic, p.partition)?.topicId;
        const hosted = t?.partitions.some((q) => q.partition === p.partition && q.replicas.includes(nodeId)) ?? false;
        if (t !== undefined && hosted && (storedId === undefined || storedId === t.topicId)) continue;
        logger.warn('removing stray partition log not in the cluster metadata', { topic: p.topic, partition: p.partition, dir: dir.path });
        await logs.deleteLog({ topic: p.topic, partition: p.partition });
      }
    }
    // Partitions recorded in metadata get their logs (re)opened before clients can reach them.
    for (const t of metadata.topics()) {
      const effective = topics.effectiveConfig(t);
      for (const p of t.partitions) {
        if (p.replicas.includes(nodeId)) await logs.createLog({ topic: t.name, partition: p.partition }, { topicId: t.topicId, config: effective });
      }
    }
    await groups.load();
    // After the groups: completing a transaction found in PrepareCommit writes markers, and those on
    // __consumer_offsets settle pending offsets the group coordinator has just loaded.
    await transactions.load();
    const address = await server.listen();
    advertised = advertisedEndpoint(config, listener, address.port);
    await metadata.registerBroker({ nodeId, host: advertised.host, port: advertised.port, rack: config.string('broker.rack') });
  } catch (error) {
    stopProducerExpiry();
    transactions.close();
    groups.close();
    await server.close().catch(() => undefined);
    await logs.close().catch(() => undefined);
    await metadata.close().catch(() => undefined);
    throw error;
  }
  logger.info('broker started', { nodeId, clusterId: metadata.clusterId, listener: `${advertised.listenerName}://${advertised.host}:${advertised.port}` });

  let closing: Promise<void> | undefined;
  return {
    bootstrap: `${advertised.host}:${advertised.port}`,
    host: advertised.host,
    port: advertised.port,
    nodeId,
    clusterId: metadata.clusterId,
    logDirs,
    services,
    network: { connections: () => server.connections(), reapIdle: () => server.reapIdle() },
    intercept: (fn, options) => interceptors.add(fn, options),
    close: () => {
      closing ??= (async () => {
        // First: parked JoinGroup/SyncGroup requests are answered, so the server can drain.
        groups.close();
        transactions.close();
        await server.close();
        stopProducerExpiry();
        await logs.close();
        // After the logs: no append can change producer state any more.
        await producers.state.writeSnapshots();
        await metadata.close();
        logger.info('broker stopped', { nodeId });
      })();
      return closing;
    },
  };
}

/**
 * The one client listener Gregor serves: `listeners` minus those named in `controller.listener.names`
 * (a stock KRaft server.properties lists a CONTROLLER listener too). Only PLAINTEXT for now.
 */
function clientListener(config: BrokerConfig): Listener {
  const controllerNames = new Set((config.list('controller.listener.names') ?? []).map((n) => n.toUpperCase()));
  const candidates = config.listeners().filter((l) => !controllerNames.has(l.name));
  const protocols = new Map<string, string>();
  for (const entry of config.list('listener.security.protocol.map') ?? []) {
    const [name, protocol] = entry.split(':');
    if (name !== undefined && protocol !== undefined) protocols.set(name.trim().toUpperCase(), protocol.trim().toUpperCase());
  }
  if (candidates.length !== 1) throw new ConfigError(`listeners: Gregor serves exactly one client listener for now, found ${candidates.length}`);
  const listener = candidates[0] as Listener;
  const protocol = protocols.get(listener.name) ?? listener.name;
  if (protocol !== 'PLAINTEXT') throw new ConfigError(`listeners: security protocol ${protocol} is not supported yet (PLAINTEXT only)`);
  return listener;
}

function advertisedEndpoint(config: BrokerConfig, listener: Listener, boundPort: number): AdvertisedEndpoint {
  const fromConfig = config.isExplicit('advertised.listeners') ? config.advertisedListeners().find((l) => l.name === listener.name) : undefined;
  if (config.isExplicit('advertised.listeners') && fromConfig === undefined) {
    throw new GregorError('INVALID_CONFIG', `advertised.listeners has no entry for listener ${listener.name}`);
  }
  const chosen = fromConfig ?? listener;
  // As Kafka: an empty or wildcard host is replaced by this machine's name; port 0 by the bound port.
  const host = chosen.host === '' || chosen.host === '0.0.0.0' || chosen.host === '::' ? hostname() : chosen.host;
  return { listenerName: listener.name, host, port: chosen.port === 0 ? boundPort : chosen.port };
}

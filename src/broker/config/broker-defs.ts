import { INT_MAX, LONG_MAX, type ConfigDef } from './config-def.ts';

/**
 * Broker properties Gregor reads, under Kafka's names and with Kafka's defaults (`KafkaConfig`,
 * `ServerLogConfigs`, `GroupCoordinatorConfig`, `TransactionStateManagerConfig`, `SocketServerConfigs`),
 * except where noted: `node.id` defaults to 1, `listeners` to PLAINTEXT://localhost:9092 and
 * `log.dirs` to ./data, so `gregor server` with no file starts a usable single-node broker.
 */

const COMPRESSION = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] as const;

export const BROKER_CONFIG_DEFS = [
  // Identity and listeners
  { name: 'node.id', type: 'int', default: '1', min: 0, doc: 'The id of this broker.' },
  { name: 'broker.id', type: 'int', default: '-1', min: -1, doc: 'Legacy (ZooKeeper-mode) name of node.id; used when set.' },
  { name: 'broker.rack', type: 'string', default: null, doc: 'Rack of the broker, returned in Metadata.' },
  { name: 'listeners', type: 'list', default: 'PLAINTEXT://localhost:9092', doc: 'Listeners to bind, as NAME://host:port.' },
  { name: 'advertised.listeners', type: 'list', default: null, doc: 'Listeners to tell clients about; defaults to listeners.' },
  { name: 'zookeeper.connect', type: 'string', default: null, doc: 'ZooKeeper connection string; unset = embedded metadata store.' },

  // Logs
  { name: 'log.dirs', type: 'list', default: null, doc: 'Directories holding the partition logs; defaults to log.dir.' },
  { name: 'log.dir', type: 'string', default: './data', doc: 'Log directory used when log.dirs is unset.' },
  { name: 'num.partitions', type: 'int', default: '1', min: 1, doc: 'Default partition count for new topics.' },
  { name: 'default.replication.factor', type: 'int', default: '1', min: 1, doc: 'Default replication factor for new topics.' },
  { name: 'auto.create.topics.enable', type: 'boolean', default: 'true', doc: 'Create topics named in Metadata requests.' },
  { name: 'delete.topic.enable', type: 'boolean', default: 'true', doc: 'Allow DeleteTopics.' },
  { name: 'log.segment.bytes', type: 'int', default: '1073741824', min: 14, doc: 'Maximum size of a log segment.' },
  { name: 'log.roll.hours', type: 'int', default: '168', min: 1, doc: 'Maximum age of a segment before it is rolled.' },
  { name: 'log.roll.ms', type: 'long', default: null, min: 1, doc: 'Like log.roll.hours, in ms; wins when set.' },
  { name: 'log.roll.jitter.hours', type: 'int', default: '0', min: 0, doc: 'Random jitter subtracted from the roll time.' },
  { name: 'log.roll.jitter.ms', type: 'long', default: null, min: 0, doc: 'Like log.roll.jitter.hours, in ms.' },
  { name: 'log.retention.hours', type: 'int', default: '168', doc: 'Time a segment is kept.' },
  { name: 'log.retention.minutes', type: 'int', default: null, doc: 'Like log.retention.hours; wins when set.' },
  { name: 'log.retention.ms', type: 'long', default: null, doc: 'Like log.retention.hours, in ms; wins when set (-1 = forever).' },
  { name: 'log.retention.bytes', type: 'long', default: '-1', doc: 'Maximum partition size before old segments are deleted (-1 = none).' },
  { name: 'log.retention.check.interval.ms', type: 'long', default: '300000', min: 1, doc: 'How often retention runs.' },
  { name: 'log.cleanup.policy', type: 'list', default: 'delete', oneOf: ['delete', 'compact'], doc: 'delete, compact or both.' },
  { name: 'log.index.size.max.bytes', type: 'int', default: '10485760', min: 4, doc: 'Maximum size of an offset index.' },
  { name: 'log.index.interval.bytes', type: 'int', default: '4096', min: 0, doc: 'Bytes between offset index entries.' },
  { name: 'log.flush.interval.messages', type: 'long', default: LONG_MAX, min: 1, doc: 'Messages accumulated before a flush.' },
  { name: 'log.flush.interval.ms', type: 'long', default: null, doc: 'Maximum time data stays unflushed.' },
  { name: 'log.flush.on.ack.all', type: 'boolean', default: 'true', doc: 'Gregor: fsync an acks=all write to a single-replica partition before acknowledging it (false = Kafka behaviour, page cache only).' },
  { name: 'log.flush.scheduler.interval.ms', type: 'long', default: LONG_MAX, doc: 'How often the flusher checks logs.' },
  { name: 'log.flush.offset.checkpoint.interval.ms', type: 'int', default: '60000', min: 0, doc: 'How often the recovery point is checkpointed.' },
  { name: 'log.flush.start.offset.checkpoint.interval.ms', type: 'int', default: '60000', min: 0, doc: 'How often log start offsets are checkpointed.' },
  { name: 'log.segment.delete.delay.ms', type: 'long', default: '60000', min: 0, doc: 'Delay before a deleted segment file is removed.' },
  { name: 'log.preallocate', type: 'boolean', default: 'false', doc: 'Preallocate segment files.' },
  { name: 'log.message.timestamp.type', type: 'string', default: 'CreateTime', oneOf: ['CreateTime', 'LogAppendTime'], doc: 'Timestamp type of stored messages.' },
  { name: 'log.message.timestamp.before.max.ms', type: 'long', default: LONG_MAX, min: 0, doc: 'Maximum allowed age of a record timestamp.' },
  { name: 'log.message.timestamp.after.max.ms', type: 'long', default: LONG_MAX, min: 0, doc: 'Maximum allowed future skew of a record timestamp.' },
  { name: 'log.cleaner.enable', type: 'boolean', default: 'true', doc: 'Run the log cleaner (compaction).' },
  { name: 'log.cleaner.threads', type: 'int', default: '1', min: 0, doc: 'Cleaner threads.' },
  { name: 'log.cleaner.dedupe.buffer.size', type: 'long', default: '134217728', doc: 'Memory for the cleaner key map.' },
  { name: 'log.cleaner.min.cleanable.ratio', type: 'double', default: '0.5', min: 0, max: 1, doc: 'Dirty ratio that makes a log eligible for cleaning.' },
  { name: 'log.cleaner.delete.retention.ms', type: 'long', default: '86400000', min: 0, doc: 'How long tombstones are kept.' },
  { name: 'log.cleaner.min.compaction.lag.ms', type: 'long', default: '0', min: 0, doc: 'Minimum time a record stays uncompacted.' },
  { name: 'log.cleaner.max.compaction.lag.ms', type: 'long', default: LONG_MAX, min: 1, doc: 'Maximum time a record stays uncompacted.' },
  { name: 'log.cleaner.backoff.ms', type: 'long', default: '15000', min: 0, doc: 'Sleep when there is nothing to clean.' },
  { name: 'message.max.bytes', type: 'int', default: '1048588', min: 0, doc: 'Largest record batch accepted.' },
  { name: 'compression.type', type: 'string', default: 'producer', oneOf: COMPRESSION, doc: 'Final compression of stored batches.' },
  { name: 'min.insync.replicas', type: 'int', default: '1', min: 1, doc: 'Replicas that must acknowledge acks=all.' },
  { name: 'unclean.leader.election.enable', type: 'boolean', default: 'false', doc: 'Allow out-of-sync replicas to lead.' },

  // Network
  { name: 'socket.request.max.bytes', type: 'int', default: '104857600', min: 1, doc: 'Largest request accepted; larger ones close the connection.' },
  { name: 'connections.max.idle.ms', type: 'long', default: '600000', doc: 'Idle connections are closed after this long.' },
  { name: 'queued.max.requests', type: 'int', default: '500', min: 1, doc: 'In-flight requests per connection before reading pauses.' },
  { name: 'max.connections', type: 'int', default: INT_MAX, min: 0, doc: 'Maximum connections accepted.' },
  { name: 'socket.send.buffer.bytes', type: 'int', default: '102400', ignored: true, doc: 'SO_SNDBUF (accepted, not applied).' },
  { name: 'socket.receive.buffer.bytes', type: 'int', default: '102400', ignored: true, doc: 'SO_RCVBUF (accepted, not applied).' },
  { name: 'num.network.threads', type: 'int', default: '3', ignored: true, doc: 'Accepted for compatibility; one event loop serves all sockets.' },
  { name: 'num.io.threads', type: 'int', default: '8', ignored: true, doc: 'Accepted for compatibility.' },
  { name: 'num.recovery.threads.per.data.dir', type: 'int', default: '2', ignored: true, doc: 'Accepted for compatibility.' },
  { name: 'process.roles', type: 'list', default: null, ignored: true, doc: 'KRaft roles (accepted, not applied).' },
  { name: 'controller.quorum.voters', type: 'list', default: null, ignored: true, doc: 'KRaft voters (accepted, not applied).' },
  { name: 'controller.quorum.bootstrap.servers', type: 'list', default: null, ignored: true, doc: 'KRaft bootstrap (accepted, not applied).' },
  { name: 'controller.listener.names', type: 'list', default: null, doc: 'KRaft controller listeners; skipped when choosing the client listener.' },
  { name: 'inter.broker.listener.name', type: 'string', default: null, ignored: true, doc: 'Accepted, not applied.' },
  { name: 'listener.security.protocol.map', type: 'list', default: null, doc: 'NAME:PROTOCOL pairs; only PLAINTEXT is served so far.' },

  // Group coordinator and offsets
  { name: 'offsets.topic.num.partitions', type: 'int', default: '50', min: 1, doc: 'Partitions of __consumer_offsets.' },
  { name: 'offsets.topic.replication.factor', type: 'short', default: '3', min: 1, doc: 'Replication factor of __consumer_offsets (capped at live brokers).' },
  { name: 'offsets.topic.segment.bytes', type: 'int', default: '104857600', min: 1, doc: 'Segment size of __consumer_offsets.' },
  { name: 'offsets.retention.minutes', type: 'int', default: '10080', min: 1, doc: 'How long committed offsets of empty groups are kept.' },
  { name: 'offsets.retention.check.interval.ms', type: 'long', default: '600000', min: 1, doc: 'How often stale offsets are checked.' },
  { name: 'offsets.commit.timeout.ms', type: 'int', default: '5000', min: 1, doc: 'Offset commit wait for replication.' },
  { name: 'offsets.load.buffer.size', type: 'int', default: '5242880', min: 1, doc: 'Batch size when loading offsets.' },
  { name: 'group.initial.rebalance.delay.ms', type: 'int', default: '3000', doc: 'Wait for more members before the first rebalance.' },
  { name: 'group.min.session.timeout.ms', type: 'int', default: '6000', doc: 'Smallest session timeout a member may ask for.' },
  { name: 'group.max.session.timeout.ms', type: 'int', default: '1800000', doc: 'Largest session timeout a member may ask for.' },
  { name: 'group.max.size', type: 'int', default: INT_MAX, min: 1, doc: 'Members per group.' },
  { name: 'group.consumer.session.timeout.ms', type: 'int', default: '45000', min: 1, doc: 'KIP-848 member session timeout.' },
  { name: 'group.consumer.heartbeat.interval.ms', type: 'int', default: '5000', min: 1, doc: 'KIP-848 heartbeat interval.' },
  {
    name: 'group.consumer.assignors',
    type: 'list',
    default: 'uniform,range',
    doc: 'KIP-848 server-side assignors (uniform, range, or Kafka class names of them); the first is the default.',
  },
  { name: 'group.consumer.max.size', type: 'int', default: INT_MAX, min: 1, doc: 'Members per KIP-848 consumer group.' },
  { name: 'group.consumer.min.session.timeout.ms', type: 'int', default: '45000', min: 1, doc: 'Lower bound of group.consumer.session.timeout.ms.' },
  { name: 'group.consumer.max.session.timeout.ms', type: 'int', default: '60000', min: 1, doc: 'Upper bound of group.consumer.session.timeout.ms.' },
  { name: 'group.consumer.min.heartbeat.interval.ms', type: 'int', default: '5000', min: 1, doc: 'Lower bound of group.consumer.heartbeat.interval.ms.' },
  { name: 'group.consumer.max.heartbeat.interval.ms', type: 'int', default: '15000', min: 1, doc: 'Upper bound of group.consumer.heartbeat.interval.ms.' },

  // Transactions and producer state
  { name: 'transaction.max.timeout.ms', type: 'int', default: '900000', min: 1, doc: 'Largest transaction timeout a producer may ask for.' },
  { name: 'transactional.id.expiration.ms', type: 'int', default: '604800000', min: 1, doc: 'Idle transactional ids expire after this.' },
  { name: 'transaction.state.log.num.partitions', type: 'int', default: '50', min: 1, doc: 'Partitions of __transaction_state.' },
  { name: 'transaction.state.log.replication.factor', type: 'short', default: '3', min: 1, doc: 'Replication factor of __transaction_state (capped at live brokers).' },
  { name: 'transaction.state.log.min.isr', type: 'int', default: '2', min: 1, doc: 'min.insync.replicas of __transaction_state.' },
  { name: 'transaction.state.log.segment.bytes', type: 'int', default: '104857600', min: 1, doc: 'Segment size of __transaction_state.' },
  { name: 'transaction.abort.timed.out.transaction.cleanup.interval.ms', type: 'int', default: '10000', min: 1, doc: 'How often timed-out transactions are aborted.' },
  { name: 'producer.id.expiration.ms', type: 'int', default: '86400000', min: 1, doc: 'Idle producer ids expire after this.' },
] as const satisfies readonly ConfigDef[];

export type BrokerConfigName = (typeof BROKER_CONFIG_DEFS)[number]['name'];

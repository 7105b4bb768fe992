/**
 * The compatibility matrix's rows (clients), columns (capabilities) and the table that maps test
 * names to the cells they prove. COMPATIBILITY.md is generated from test results through this table
 * only: a cell is filled when a mapped test ran, never by hand. Test names are matched as node's
 * test runner reports them, `describe > test`; franz-go's as `go test` names its top-level tests.
 */

export const CAPABILITIES = [
  'metadata',
  'produce none',
  'produce gzip',
  'produce snappy',
  'produce lz4',
  'produce zstd',
  'fetch',
  'offsets by time',
  'groups classic',
  'groups KIP-848',
  'static membership',
  'idempotence',
  'transactions',
  'admin',
  'configs',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

export const CLIENTS = [
  'kcat (librdkafka)',
  'confluent-kafka-python',
  'kafka-python',
  'kafkajs',
  '@platformatic/kafka',
  '@confluentinc/kafka-javascript',
  'Java kafka-clients',
  'Kafka CLI tools',
  'franz-go',
] as const;
export type Client = (typeof CLIENTS)[number];

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const ALL_PRODUCE: readonly Capability[] = CODECS.map((c) => `produce ${c}` as const);

/** One rule: tests of `client` whose name matches `test` prove `caps`; `$codec` takes the name's `(codec` group. */
export interface CapabilityRule {
  readonly client: Client;
  readonly test: RegExp;
  readonly caps: readonly (Capability | 'produce $codec')[];
}

export const RULES: readonly CapabilityRule[] = [
  { client: 'kcat (librdkafka)', test: /^kcat > -L /, caps: ['metadata'] },
  { client: 'kcat (librdkafka)', test: /^kcat > every codec/, caps: [...ALL_PRODUCE, 'fetch'] },
  { client: 'kcat (librdkafka)', test: /^kcat > -Q /, caps: ['offsets by time'] },
  { client: 'kcat (librdkafka)', test: /^kcat balanced consumer/, caps: ['groups classic'] },
  { client: 'kcat (librdkafka)', test: /^kcat > enable\.idempotence/, caps: ['idempotence'] },

  { client: 'confluent-kafka-python', test: /^confluent-kafka-python > AdminClient/, caps: ['admin', 'configs', 'metadata'] },
  { client: 'confluent-kafka-python', test: /^confluent-kafka-python > offsets_for_times/, caps: ['offsets by time'] },
  { client: 'confluent-kafka-python', test: /^confluent-kafka-python > Producer \((\w+)\)/, caps: ['produce $codec', 'fetch'] },
  { client: 'confluent-kafka-python', test: /^confluent-kafka-python consumer groups > two members/, caps: ['groups classic'] },
  { client: 'confluent-kafka-python', test: /^confluent-kafka-python consumer groups > a static member/, caps: ['static membership'] },
  // test/e2e/idempotence-kill9.test.ts: confluent-kafka-python with enable.idempotence through two kill -9s.
  { client: 'confluent-kafka-python', test: /^an idempotent producer through two kill -9s of the broker/, caps: ['idempotence'] },

  { client: 'kafka-python', test: /^kafka-python > KafkaProducer \((\w+)\)/, caps: ['produce $codec', 'fetch'] },
  { client: 'kafka-python', test: /^kafka-python consumer group/, caps: ['groups classic'] },
  { client: 'kafka-python', test: /^kafka-python > metadata and offsets by time/, caps: ['metadata', 'offsets by time'] },

  { client: 'kafkajs', test: /^kafkajs > admin:/, caps: ['admin', 'metadata', 'configs'] },
  { client: 'kafkajs', test: /^kafkajs > idempotent producer/, caps: ['idempotence'] },
  { client: 'kafkajs', test: /^kafkajs > producer \(none and gzip/, caps: ['produce none', 'produce gzip', 'offsets by time'] },
  { client: 'kafkajs', test: /^kafkajs consumer group/, caps: ['groups classic', 'fetch'] },

  { client: '@platformatic/kafka', test: /^@platformatic\/kafka > admin:/, caps: ['admin', 'metadata', 'configs'] },
  { client: '@platformatic/kafka', test: /^@platformatic\/kafka > producer \((\w+)/, caps: ['produce $codec', 'fetch'] },
  { client: '@platformatic/kafka', test: /^@platformatic\/kafka > listOffsets/, caps: ['offsets by time'] },
  { client: '@platformatic/kafka', test: /^@platformatic\/kafka consumer group/, caps: ['groups classic'] },
  { client: '@platformatic/kafka', test: /^@platformatic\/kafka groupProtocol=consumer against gregor > /, caps: ['groups KIP-848'] },
  { client: '@platformatic/kafka', test: /^@platformatic\/kafka > idempotent producer/, caps: ['idempotence'] },
  { client: '@platformatic/kafka', test: /^@platformatic\/kafka > transactions:/, caps: ['transactions'] },

  { client: '@confluentinc/kafka-javascript', test: /^confluent-kafka-javascript against gregor > admin:/, caps: ['admin', 'metadata'] },
  {
    client: '@confluentinc/kafka-javascript',
    test: /^confluent-kafka-javascript against gregor > idempotent producer \((\w+)\)/,
    caps: ['produce $codec', 'fetch', 'idempotence', 'groups classic'],
  },
  { client: '@confluentinc/kafka-javascript', test: /^confluent-kafka-javascript against gregor > KIP-848 consumer group/, caps: ['groups KIP-848'] },
  { client: '@confluentinc/kafka-javascript', test: /^confluent-kafka-javascript against gregor > transactions:/, caps: ['transactions'] },
  { client: '@confluentinc/kafka-javascript', test: /^confluent-kafka-javascript against gregor > admin: fetchTopicOffsetsByTimestamp/, caps: ['offsets by time'] },

  { client: 'Java kafka-clients', test: /^Java client against gregor > admin: describe-cluster/, caps: ['metadata', 'admin'] },
  { client: 'Java kafka-clients', test: /^Java client against gregor > admin: create-topic with a config/, caps: ['admin', 'configs'] },
  { client: 'Java kafka-clients', test: /^Java client against gregor > produce: .*each compression codec/, caps: ALL_PRODUCE },
  { client: 'Java kafka-clients', test: /^Java client against gregor > consume: a group/, caps: ['groups classic', 'fetch'] },
  { client: 'Java kafka-clients', test: /^idempotent Java producer against Gregor > /, caps: ['idempotence'] },
  { client: 'Java kafka-clients', test: /^Java consumer group.protocol=consumer against gregor > /, caps: ['groups KIP-848', 'fetch'] },

  { client: 'Kafka CLI tools', test: /^Kafka CLI tools against gregor > kafka-topics/, caps: ['admin', 'metadata'] },
  { client: 'Kafka CLI tools', test: /^Kafka CLI tools against gregor > kafka-configs/, caps: ['configs'] },
  { client: 'Kafka CLI tools', test: /^Kafka CLI tools against gregor > kafka-console-producer writes keyed/, caps: ['produce none'] },
  { client: 'Kafka CLI tools', test: /^Kafka CLI tools against gregor > kafka-console-producer with each --compression-codec/, caps: ['produce gzip', 'produce snappy', 'produce lz4', 'produce zstd', 'offsets by time', 'fetch'] },
  { client: 'Kafka CLI tools', test: /^Kafka CLI tools against gregor > kafka-console-consumer reads/, caps: ['fetch', 'groups classic'] },
  { client: 'Kafka CLI tools', test: /^Kafka CLI tools against gregor > kafka-console-consumer with group\.protocol=consumer/, caps: ['fetch', 'groups KIP-848'] },
  { client: 'Kafka CLI tools', test: /^kafka-consumer-groups against gregor > /, caps: ['groups classic'] },
  // Group member processes and storms (test/compat/groups): the librdkafka members are confluent-kafka-python.
  { client: 'confluent-kafka-python', test: /^confluent-kafka-python member processes against gregor > /, caps: ['groups classic'] },
  { client: 'confluent-kafka-python', test: /^cooperative-sticky and static members against gregor > librdkafka cooperative-sticky/, caps: ['groups classic'] },
  { client: 'confluent-kafka-python', test: /^cooperative-sticky and static members against gregor > librdkafka static membership/, caps: ['static membership'] },
  { client: 'Java kafka-clients', test: /^cooperative-sticky and static members against gregor > java cooperative-sticky/, caps: ['groups classic'] },
  { client: 'Java kafka-clients', test: /^cooperative-sticky and static members against gregor > java static membership/, caps: ['static membership'] },
  { client: 'kafkajs', test: /^rebalance storm against gregor > /, caps: ['groups classic'] },
  // Transactions (test/compat/transactions): each flow names the client that drives it.
  { client: 'confluent-kafka-python', test: /^transactions against gregor > confluent-kafka-python:/, caps: ['transactions'] },
  { client: 'kafkajs', test: /^transactions against gregor > kafkajs:/, caps: ['transactions'] },
  { client: 'kcat (librdkafka)', test: /^transactions against gregor > (kcat|LSO|interleaved)/, caps: ['transactions'] },
  { client: 'Java kafka-clients', test: /^(transactions|exactly-once pipeline) against gregor > (Java|interleaved)/, caps: ['transactions', 'idempotence'] },
  { client: 'Kafka CLI tools', test: /^transactions against gregor > kafka-transactions tool/, caps: ['transactions'] },
  // Step 2 of `npm run compat` (test/compat-suite/verifiable.ts), reported under this name.
  { client: 'Kafka CLI tools', test: /^verifiable producer\/consumer through two kill -9 restarts$/, caps: ['idempotence', 'groups classic', 'fetch'] },

  // franz-go's kgo integration tests (test/compat-suite/franz-go.ts), by top-level Go test name.
  // kgo's producers compress with snappy unless told otherwise (config.go: the default codecs are
  // snappy, then none), and the ETL tests keep that default.
  { client: 'franz-go', test: /^TestGroupETL$/, caps: ['groups classic', 'fetch', 'produce snappy'] },
  { client: 'franz-go', test: /^TestGroupSimple$/, caps: ['groups classic'] },
  { client: 'franz-go', test: /^TestTxnEtl$/, caps: ['transactions'] },
  // Skips itself unless the broker serves ConsumerGroupHeartbeat v1 (key 68); so do the /848 subtests of TestGroup*.
  { client: 'franz-go', test: /^Test848RegexBrokerResolves$/, caps: ['groups KIP-848'] },
  // kgo writes idempotently unless told DisableIdempotentWrite, and its test clients keep the default
  // (helpers_test.go testClientOpts): 50 workers, 20,000 records through InitProducerId and sequences.
  { client: 'franz-go', test: /^TestClient_Produce$/, caps: ['metadata', 'idempotence'] },
  // Produces with ProducerBatchCompression(GzipCompression()) and consumes the batch back.
  { client: 'franz-go', test: /^TestConsumeMaxDecompressBatchBytes$/, caps: ['fetch', 'produce gzip'] },
  { client: 'franz-go', test: /^TestIssue523$/, caps: ['admin'] },
  { client: 'franz-go', test: /^TestAddRemovePartitions$/, caps: ['admin'] },
  // test/compat/franz-go (our driver program on kgo and kadm) for what kgo's suite leaves out.
  { client: 'franz-go', test: /^franz-go \S+ against gregor > produce \((\w+)\)/, caps: ['produce $codec', 'fetch', 'idempotence'] },
  { client: 'franz-go', test: /^franz-go \S+ against gregor > kadm ListOffsetsAfterMilli/, caps: ['offsets by time'] },
  { client: 'franz-go', test: /^franz-go \S+ against gregor > kadm CreateTopic with a config/, caps: ['admin', 'configs'] },
  { client: 'franz-go', test: /^franz-go \S+ against gregor > static membership/, caps: ['static membership'] },
];

/** `skipped`: the test skipped itself, saying the broker does not serve what it needs (kgo does this). */
export type Outcome = 'pass' | 'fail' | 'allowed-fail' | 'skipped';

/** One finished test as the matrix sees it. */
export interface TestOutcome {
  readonly name: string;
  readonly outcome: Outcome;
  /** For allow-listed failures: why. */
  readonly reason?: string;
}

export interface Cell {
  pass: number;
  fail: number;
  skipped: number;
  allowed: string[];
}

/** The key of a cell in fold's map. */
export const cellKey = (client: Client, cap: Capability): string => `${client}\u0000${cap}`;

/**
 * Folds test outcomes into cells through RULES (a test may prove cells of several rules). Tests no
 * rule names are returned apart (`unmapped`): they ran, but the matrix has no column for them.
 */
export function fold(outcomes: readonly TestOutcome[]): { cells: Map<string, Cell>; unmapped: string[] } {
  const cells = new Map<string, Cell>();
  const unmapped: string[] = [];
  {
    for (const t of outcomes) {
      let mapped = false;
      for (const rule of RULES) {
        const m = rule.test.exec(t.name);
        if (m === null) continue;
        mapped = true;
        for (const raw of rule.caps) {
          const cap = raw === 'produce $codec' ? `produce ${m[1] ?? ''}` : raw;
          if (!(CAPABILITIES as readonly string[]).includes(cap)) continue;
          const key = cellKey(rule.client, cap as Capability);
          const cell = cells.get(key) ?? { pass: 0, fail: 0, skipped: 0, allowed: [] };
          if (t.outcome === 'pass') cell.pass += 1;
          else if (t.outcome === 'fail') cell.fail += 1;
          else if (t.outcome === 'skipped') cell.skipped += 1;
          else cell.allowed.push(t.reason ?? t.name);
          cells.set(key, cell);
        }
      }
      if (!mapped) unmapped.push(t.name);
    }
  }
  return { cells, unmapped };
}

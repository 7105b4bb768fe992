import { installApacheKafka } from '../../scripts/peers/apache-kafka.ts';
import { runJava } from './jvm.ts';
import type { ProcessResult } from './run-process.ts';

/**
 * Kafka's command-line tools by the names of their bin/ scripts, run through their main classes (the
 * scripts are not on Maven Central, only the classes they start). The classes are Kafka 4.x's: since
 * 4.0 most tools live in org.apache.kafka.tools (kafka-tools); a few stayed in the core jar.
 * `jit: 'full'` marks the benchmark tools, which must run with C2 and G1 as the scripts do.
 */
export const KAFKA_TOOLS = {
  'kafka-topics': { main: 'org.apache.kafka.tools.TopicCommand' },
  'kafka-console-producer': { main: 'org.apache.kafka.tools.ConsoleProducer' },
  'kafka-console-consumer': { main: 'org.apache.kafka.tools.consumer.ConsoleConsumer' },
  'kafka-consumer-groups': { main: 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand' },
  'kafka-configs': { main: 'kafka.admin.ConfigCommand' },
  'kafka-get-offsets': { main: 'org.apache.kafka.tools.GetOffsetShell' },
  'kafka-delete-records': { main: 'org.apache.kafka.tools.DeleteRecordsCommand' },
  'kafka-broker-api-versions': { main: 'org.apache.kafka.tools.BrokerApiVersionsCommand' },
  'kafka-cluster': { main: 'org.apache.kafka.tools.ClusterTool' },
  'kafka-features': { main: 'org.apache.kafka.tools.FeatureCommand' },
  'kafka-metadata-quorum': { main: 'org.apache.kafka.tools.MetadataQuorumCommand' },
  'kafka-log-dirs': { main: 'org.apache.kafka.tools.LogDirsCommand' },
  'kafka-dump-log': { main: 'org.apache.kafka.tools.DumpLogSegments' },
  'kafka-transactions': { main: 'org.apache.kafka.tools.TransactionsCommand' },
  'kafka-storage': { main: 'kafka.tools.StorageTool' },
  'kafka-producer-perf-test': { main: 'org.apache.kafka.tools.ProducerPerformance', jit: 'full' },
  'kafka-consumer-perf-test': { main: 'org.apache.kafka.tools.ConsumerPerformance', jit: 'full' },
  'kafka-e2e-latency': { main: 'org.apache.kafka.tools.EndToEndLatency', jit: 'full' },
  'kafka-verifiable-producer': { main: 'org.apache.kafka.tools.VerifiableProducer' },
  'kafka-verifiable-consumer': { main: 'org.apache.kafka.tools.VerifiableConsumer' },
} as const satisfies Record<string, { readonly main: string; readonly jit?: 'full' }>;

export type KafkaToolName = keyof typeof KAFKA_TOOLS;

export interface KafkaToolOptions {
  readonly input?: string;
  readonly timeoutMs: number;
  readonly heap?: string;
}

/**
 * Runs one of Kafka's CLI tools to completion: `runKafkaTool('kafka-topics', ['--bootstrap-server',
 * b, '--create', '--topic', 't'], { timeoutMs: 60_000 })`. Installs Kafka's jars first if needed.
 */
export async function runKafkaTool(tool: KafkaToolName, args: readonly string[], options: KafkaToolOptions): Promise<ProcessResult> {
  const kafka = installApacheKafka();
  const spec: { readonly main: string; readonly jit?: 'full' } = KAFKA_TOOLS[tool];
  const quick = spec.jit !== 'full';
  return runJava(
    kafka,
    spec.main,
    args,
    { quickStart: quick, classArchive: quick, ...(options.heap === undefined ? {} : { heap: options.heap }) },
    { timeoutMs: options.timeoutMs, ...(options.input === undefined ? {} : { input: options.input }) },
  );
}

import { BOOTSTRAP_OPTION } from '../args.ts';
import { perfConsume } from '../perf-consume.ts';
import { perfProduce } from '../perf-produce.ts';
import { commandWithActions } from '../subcommands.ts';

/** `gregor perf produce|consume`: kafka-producer-perf-test.sh and kafka-consumer-perf-test.sh, with their output lines. */
export const command = commandWithActions(
  'perf',
  'Measure throughput and latency against a running cluster, printing the lines Kafka\'s perf tools print.',
  {
    'bootstrap-server': BOOTSTRAP_OPTION,
    topic: { type: 'string', description: 'Topic to write or read (required)', valueName: 'topic' },
    'num-records': { type: 'string', description: 'Records to send (produce, required) or read (consume)', valueName: 'n' },
    messages: { type: 'string', description: 'consume: records to read (Kafka\'s name for --num-records)', valueName: 'n' },
    'record-size': { type: 'string', description: 'produce: bytes per record (default 100)', valueName: 'bytes' },
    throughput: { type: 'string', description: 'produce: records/s cap, -1 for none (default -1)', valueName: 'n' },
    acks: { type: 'string', description: 'produce: all/-1 (default), 1 or 0', valueName: 'acks' },
    compression: { type: 'string', description: 'produce: none (default), gzip, snappy, lz4, zstd', valueName: 'codec' },
    'batch-size': { type: 'string', description: 'produce: batch.size in bytes (default 16384)', valueName: 'bytes' },
    'linger-ms': { type: 'string', description: 'produce: linger.ms (default 0)', valueName: 'ms' },
    group: { type: 'string', description: 'consume: group id (default perf-consumer-<random>)', valueName: 'id' },
    timeout: { type: 'string', description: 'consume: give up after this long without a record (default 10000)', valueName: 'ms' },
    'from-latest': { type: 'boolean', description: 'consume: start at the end instead of the beginning' },
    'hide-header': { type: 'boolean', description: 'consume: no header line' },
    'reporting-interval': { type: 'string', description: 'Progress line interval (default 5000)', valueName: 'ms' },
  },
  {
    produce: {
      summary: 'Send records as fast as allowed; records/s, MB/s, latency avg/p50/p95/p99/p99.9',
      accepts: ['bootstrap-server', 'topic', 'num-records', 'record-size', 'throughput', 'acks', 'compression', 'batch-size', 'linger-ms', 'reporting-interval'],
      run: perfProduce,
    },
    consume: {
      summary: 'Read records in a group; MB/s, records/s, rebalance and fetch time',
      accepts: ['bootstrap-server', 'topic', 'num-records', 'messages', 'group', 'timeout', 'from-latest', 'hide-header', 'reporting-interval'],
      run: perfConsume,
    },
  },
);

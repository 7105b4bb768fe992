import { createInterface } from 'node:readline';
import type { Message, Producer } from '../../client/index.ts';
import { acksArg, BOOTSTRAP_OPTION, compressionArg, connect, guarded, intArg, keyValues, requiredString, UsageError } from '../args.ts';
import { ExitCode, type Command } from '../command.ts';
import { LineError, lineFormat, parseLine } from '../line-parser.ts';
import { inputOf, onStop } from '../process-io.ts';

/** Records sent but not yet acknowledged before reading waits: bounds memory on a fast stdin. */
const MAX_OUTSTANDING = 20_000;
/** Records per send() call at most. */
const MAX_PER_SEND = 1000;

/**
 * `gregor produce --topic t`: kafka-console-producer.sh. One record per stdin line; sends are not
 * awaited one by one (the producer batches what arrives in one read), but at most MAX_OUTSTANDING
 * records wait for acks. Ends at end of input or on SIGINT/SIGTERM, after flushing what was read,
 * and prints a summary to stderr. Exit 1 if any record failed or a line did not parse.
 */
export const command: Command = {
  usage: '--topic <topic> [options] < lines',
  description:
    'Send each line of standard input as a record (kafka-console-producer.sh). With --property parse.key=true a line is ' +
    'key<key.separator>value (separator: tab unless key.separator is set); with --property parse.headers=true it starts ' +
    'with h1:v1,h2:v2<tab>. Other properties: headers.delimiter, headers.separator, headers.key.separator, null.marker, ignore.error.',
  options: {
    'bootstrap-server': BOOTSTRAP_OPTION,
    topic: { type: 'string', description: 'Topic to write to (required)', valueName: 'topic' },
    property: { type: 'string', multiple: true, description: 'Line format property, e.g. parse.key=true', valueName: 'key=value' },
    compression: { type: 'string', description: 'none (default), gzip, snappy, lz4 or zstd', valueName: 'codec' },
    acks: { type: 'string', description: 'all/-1 (default), 1 or 0', valueName: 'acks' },
    'linger-ms': { type: 'string', description: 'How long a batch waits for more records (default 0)', valueName: 'ms' },
    'batch-size': { type: 'string', description: 'Batch size in bytes (default 16384)', valueName: 'bytes' },
  },
  allowPositionals: false,
  run(args, io) {
    return guarded('produce', io, async () => {
      const topic = requiredString(args, 'topic');
      const format = lineFormat(keyValues(args, 'property'));
      const producerOptions = {
        acks: acksArg(args, -1),
        compression: compressionArg(args),
        lingerMs: intArg(args, 'linger-ms', 0, 0),
        batchSize: intArg(args, 'batch-size', 16_384, 1),
      };
      if (topic.trim() === '') throw new UsageError('--topic must not be empty');
      const client = connect(args, 'gregor-console-producer');
      const producer: Producer = client.producer(producerOptions);
      const lines = createInterface({ input: inputOf(io), crlfDelay: Infinity });
      const removeStop = onStop(io, () => lines.close());
      const started = performance.now();
      let read = 0;
      let sent = 0;
      let failed = 0;
      let firstError: string | null = null;
      let outstanding = 0;
      let drained: (() => void) | null = null;
      let parseError: string | null = null;
      // Lines read in one go are sent in one send() call: per-call costs (metadata lookup, promises)
      // then scale with reads, not lines. A flush waits for the next turn of the event loop, after
      // the lines already buffered have been parsed.
      let pending: Message[] = [];
      let flushScheduled = false;
      const sendPending = (): void => {
        flushScheduled = false;
        if (pending.length === 0) return;
        const messages = pending;
        pending = [];
        producer.send({ topic, messages }).then(
          () => void (sent += messages.length),
          (error: unknown) => {
            failed += messages.length;
            firstError ??= error instanceof Error ? error.message : String(error);
          },
        ).finally(() => {
          outstanding -= messages.length;
          if (outstanding < MAX_OUTSTANDING / 2 && drained !== null) {
            drained();
            drained = null;
          }
        });
      };
      try {
        for await (const line of lines) {
          read++;
          let parsed;
          try {
            parsed = parseLine(line, read, format);
          } catch (error) {
            if (!(error instanceof LineError)) throw error;
            parseError = error.message;
            break;
          }
          outstanding++;
          pending.push({ key: parsed.key, value: parsed.value, headers: parsed.headers });
          if (pending.length >= MAX_PER_SEND) sendPending();
          else if (!flushScheduled) {
            flushScheduled = true;
            setImmediate(sendPending);
          }
          if (outstanding >= MAX_OUTSTANDING) {
            sendPending();
            await new Promise<void>((resolve) => (drained = resolve));
          }
        }
        sendPending();
        await producer.flush();
        // Settlement callbacks of the last sends run after flush resolves; let them count.
        while (outstanding > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      } finally {
        removeStop();
        lines.close();
        await client.close();
      }
      const seconds = (performance.now() - started) / 1000;
      if (parseError !== null) io.err(`gregor produce: ${parseError}\n`);
      if (firstError !== null) io.err(`gregor produce: ${failed} records failed, the first with: ${firstError}\n`);
      io.err(`gregor produce: ${sent} records sent to ${topic}, ${failed} failed, in ${seconds.toFixed(2)} s\n`);
      return failed > 0 || parseError !== null ? ExitCode.failure : ExitCode.ok;
    });
  },
};

import { GOLDEN_TOPIC, CODECS, goldenRecords, type CodecName, type SentRecord } from '../golden-records.ts';
import type { ClientDriver } from './driver.ts';
import { STEP_TIMEOUT_MS } from './driver.ts';
import { runProcess } from './run-process.ts';

/** kcat 1.7.1 on librdkafka 2.0.2 (Debian 12), a required peer (scripts/install-peers.ts). */

const broker = (port: number): string[] => ['-b', `127.0.0.1:${port}`];

/** A fixed point in the past (2023-11-14), so the ListOffsets-by-time fixture is reproducible. */
export const QUERY_TIMESTAMP = 1_700_000_000_000;

export async function kcatVersion(): Promise<string> {
  const { stdout } = await runProcess('kcat', ['-V'], '', STEP_TIMEOUT_MS);
  const m = /^Version (\S+) .*librdkafka (\S+)/m.exec(stdout);
  return m === null ? stdout.trim() : `kcat ${m[1]}, librdkafka ${m[2]}`;
}

/**
 * Produces `records` as `key:value` lines with every record's headers (kcat can only give all
 * records the same ones: those of the first), compressed with `codec`. linger.ms keeps the three
 * records in one batch when the machine is quick enough; the checks accept several.
 */
export async function kcatProduce(port: number, topic: string, codec: CodecName, records: readonly SentRecord[], timeoutMs = STEP_TIMEOUT_MS): Promise<void> {
  const headers = (records[0]?.headers ?? []).flatMap(([k, v]) => ['-H', `${k}=${v}`]);
  const lines = records.map((r) => `${r.key}:${r.value}\n`).join('');
  await runProcess('kcat', [...broker(port), '-P', '-t', topic, '-K', ':', ...headers, '-z', codec, '-X', 'linger.ms=50'], lines, timeoutMs);
}

export const kcatDriver: ClientDriver = {
  client: 'kcat',
  version: kcatVersion,
  steps: [
    { name: 'metadata', run: async (port) => void (await runProcess('kcat', [...broker(port), '-L'], '', STEP_TIMEOUT_MS)) },
    ...CODECS.map((codec) => ({
      name: `produce-${codec}`,
      produced: { topic: GOLDEN_TOPIC, codec },
      run: (port: number) => kcatProduce(port, GOLDEN_TOPIC, codec, goldenRecords('kcat', codec)),
    })),
    {
      name: 'consume',
      run: async (port) => {
        // -e: exit at the end of the partition, which librdkafka detects from the Fetch high watermark.
        const { stdout } = await runProcess('kcat', [...broker(port), '-C', '-t', GOLDEN_TOPIC, '-o', 'beginning', '-e', '-K', ':'], '', STEP_TIMEOUT_MS);
        const expected = CODECS.length * 3;
        const got = stdout.split('\n').filter((l) => l !== '').length;
        if (got !== expected) throw new Error(`kcat consumed ${got} records, expected ${expected}:\n${stdout}`);
      },
    },
    {
      name: 'offsets-for-times',
      run: async (port) => void (await runProcess('kcat', [...broker(port), '-Q', '-t', `${GOLDEN_TOPIC}:0:${QUERY_TIMESTAMP}`], '', STEP_TIMEOUT_MS)),
    },
  ],
};

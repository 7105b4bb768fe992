import { runProcess } from './run-process.ts';

/** kcat 1.7.1 on librdkafka 2.0.2 (Debian 12), a required peer (scripts/install-peers.ts). */

/** One record as kcat's `-J` envelope prints it; headers alternate name, value. */
export interface KcatRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly tstype: string;
  readonly ts: number;
  readonly headers?: readonly string[];
  readonly key: string | null;
  readonly payload: string | null;
}

const TIMEOUT_MS = 60_000;

/**
 * Produces the delimited `input` (one record per line, `key:value` when `keyed`) and waits for every
 * delivery: kcat exits non-zero when a message failed. `extra` adds options such as `-z gzip`.
 */
export async function kcatProduce(bootstrap: string, topic: string, input: string, extra: readonly string[] = [], keyed = true): Promise<void> {
  // -m bounds the wait for metadata; librdkafka's own message timeout bounds delivery.
  await runProcess('kcat', ['-b', bootstrap, '-P', '-t', topic, '-p', '0', ...(keyed ? ['-K', ':'] : []), '-m', '20', ...extra], { stdin: input, timeoutMs: TIMEOUT_MS });
}

/**
 * Reads partition 0 from `from` to its end (-e: librdkafka stops at the Fetch high watermark) and
 * returns every record's JSON envelope.
 */
export async function kcatConsume(bootstrap: string, topic: string, extra: readonly string[] = [], from = 'beginning'): Promise<KcatRecord[]> {
  const { stdout } = await runProcess('kcat', ['-b', bootstrap, '-C', '-t', topic, '-p', '0', '-o', from, '-e', '-J', '-q', '-m', '20', ...extra], { timeoutMs: TIMEOUT_MS });
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as KcatRecord);
}

/** `kcat -Q`: the offset ListOffsets gives for `timestamp` on partition 0 (-1 when no record is that late). */
export async function kcatOffsetForTime(bootstrap: string, topic: string, timestamp: number): Promise<number> {
  // One -t per call: kcat keeps only the last query for a partition named twice.
  const { stdout } = await runProcess('kcat', ['-b', bootstrap, '-Q', '-t', `${topic}:0:${timestamp}`, '-m', '20'], { timeoutMs: TIMEOUT_MS });
  const m = new RegExp(`^${topic} \\[0\\] offset (-?\\d+)$`, 'm').exec(stdout);
  if (m === null) throw new Error(`unexpected kcat -Q output: ${stdout}`);
  return Number(m[1]);
}

/** `kcat -L` for one topic (or all when undefined): the text listing. */
export async function kcatMetadata(bootstrap: string, topic?: string): Promise<string> {
  const { stdout } = await runProcess('kcat', ['-b', bootstrap, '-L', '-m', '20', ...(topic === undefined ? [] : ['-t', topic])], { timeoutMs: TIMEOUT_MS });
  return stdout;
}

/** Header pairs of a kcat envelope. */
export function headerPairs(record: KcatRecord): Array<[string, string]> {
  const flat = record.headers ?? [];
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i] as string, flat[i + 1] as string]);
  return pairs;
}

/**
 * kill -9 under load: a child process appends from several concurrent producers and reports each
 * acknowledged append on stdout; the parent SIGKILLs it mid-stream, reopens the log directory
 * (unclean: recovery runs) and checks that every acknowledged append is there, at its offset, with
 * its bytes. Two crash rounds per durability mode, so recovery followed by more appends is covered.
 *
 * The same file is the child when GREGOR_STORAGE_KILL_CHILD is set.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { buildBatch, decodeBatches } from '../../src/protocol/records/index.ts';
import { LogManager, logConfig, type Durability } from '../../src/storage/index.ts';
import { MemoryLogger } from '../../src/util/index.ts';

const CHILD_ENV = 'GREGOR_STORAGE_KILL_CHILD';
const CONFIG = logConfig({ 'segment.bytes': 256 * 1024, 'index.interval.bytes': 1024 });

async function runChild(dir: string, durability: Durability, round: number): Promise<void> {
  const manager = await LogManager.open({ dir, topicConfig: () => CONFIG });
  const log = manager.getLog('load', 0) ?? (await manager.createLog('load', 0, undefined, CONFIG));
  let n = 0;
  const producer = async (p: number): Promise<void> => {
    for (;;) {
      const count = 1 + (n % 4);
      const tag = `r${round}-p${p}-${n++}`;
      const records = Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`${tag}-${i}-${'x'.repeat((n * 131) % 3000)}`) }));
      const r = await log.append(buildBatch({ records }), { requiredDurability: durability, leaderEpoch: round });
      process.stdout.write(`ack ${r.baseOffset} ${r.lastOffset} ${tag}\n`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, (_, p) => producer(p)));
}

interface Ack {
  base: bigint;
  last: bigint;
  tag: string;
}

/** Starts the child, collects acks until `wanted` arrived, then SIGKILLs it. */
function crashRound(dir: string, durability: Durability, round: number, wanted: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [import.meta.filename], {
      env: { ...process.env, [CHILD_ENV]: JSON.stringify({ dir, durability, round }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acks: Ack[] = [];
    let buffered = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child produced only ${acks.length} acks; stderr: ${stderr}`));
    }, 60_000);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const [, base, last, tag] = line.split(' ');
        acks.push({ base: BigInt(base!), last: BigInt(last!), tag: tag! });
      }
      if (!killed && acks.length >= wanted) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(acks);
      else reject(new Error(`child exited with ${code ?? signal}; stderr: ${stderr}`));
    });
  });
}

async function checkAcked(dir: string, acks: readonly Ack[]): Promise<{ logEnd: bigint; recovered: boolean }> {
  const logger = new MemoryLogger();
  const manager = await LogManager.open({ dir, logger, topicConfig: () => CONFIG });
  try {
    const log = manager.getLog('load', 0);
    assert.ok(log !== undefined);
    const values = new Map<bigint, string>();
    let offset = log.logStartOffset;
    while (offset < log.logEndOffset) {
      const { bytes } = await log.read(offset, 1 << 20);
      for (const batch of decodeBatches(bytes)) {
        for (const r of batch.records) values.set(r.offset, r.value!.toString('latin1'));
        offset = batch.header.baseOffset + BigInt(batch.header.lastOffsetDelta) + 1n;
      }
    }
    for (const ack of acks) {
      for (let o = ack.base; o <= ack.last; o++) {
        const v = values.get(o);
        assert.ok(v?.startsWith(`${ack.tag}-${o - ack.base}-`), `acknowledged offset ${o} (${ack.tag}) holds ${v?.slice(0, 30)}`);
      }
    }
    return { logEnd: log.logEndOffset, recovered: logger.entries.some((e) => e.message.includes('not shut down cleanly')) };
  } finally {
    await manager.close();
    // The check closed cleanly; put the next round back on the unclean path.
    fs.rmSync(path.join(dir, '.kafka_cleanshutdown'), { force: true });
  }
}

const childArgs = process.env[CHILD_ENV];
if (childArgs !== undefined) {
  const { dir, durability, round } = JSON.parse(childArgs) as { dir: string; durability: Durability; round: number };
  await runChild(dir, durability, round);
} else {
  for (const durability of ['none', 'fsync'] as const) {
    test(`every append acknowledged with durability '${durability}' survives kill -9`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gregor-kill-'));
      try {
        const first = await crashRound(dir, durability, 1, 400);
        const afterFirst = await checkAcked(dir, first);
        assert.ok(afterFirst.recovered, 'the first reopen ran recovery');
        assert.ok(afterFirst.logEnd > first.reduce((m, a) => (a.last > m ? a.last : m), -1n));
        const second = await crashRound(dir, durability, 2, 400);
        assert.ok(second.every((a) => a.base >= afterFirst.logEnd), 'the second run continued after the recovered end');
        await checkAcked(dir, [...first, ...second]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { BatchOffsets, decodeBatches } from '../../protocol/records/index.ts';
import { MemoryLogger } from '../../util/index.ts';
import { listDir, openTestLog, readAll, testBatch, withTempDir } from './test-support.ts';

/**
 * Crash recovery: damage segment files the way crashes and bad disks do (cut at any byte, flip any
 * byte), then recover with no clean-shutdown marker and check that exactly the whole, valid batches
 * before the damage remain, that the indexes work, and that the log goes on from there.
 */

const config = { 'segment.bytes': 3000, 'index.interval.bytes': 256 };
const none = { requiredDurability: 'none', leaderEpoch: 0 } as const;

interface Layout {
  /** Per segment file: each batch's [position, size, baseOffset, recordCount]. */
  files: Array<{ name: string; batches: Array<{ position: number; size: number; base: number; count: number }> }>;
}

async function buildLog(dir: string, appends: number[]): Promise<Layout> {
  const log = await openTestLog({ dir, config });
  for (const [i, count] of appends.entries()) await log.append(testBatch({ count, valueBytes: 30 + ((i * 37) % 200), tag: `a${i}` }), none);
  await log.close();
  const files = listDir(dir)
    .filter((f) => f.endsWith('.log'))
    .map((name) => {
      const bytes = fs.readFileSync(path.join(dir, name));
      const batches = decodeBatches(bytes).map((b, i, all) => ({
        position: all.slice(0, i).reduce((s, x) => s + x.size, 0),
        size: b.size,
        base: Number(b.header.baseOffset),
        count: b.records.length,
      }));
      return { name, batches };
    });
  return { files };
}

/** Offsets that must survive damage at byte `position` of file `fileIndex`: every batch wholly before it. */
function survivors(layout: Layout, fileIndex: number, position: number): number {
  let count = 0;
  for (let f = 0; f < fileIndex; f++) for (const b of layout.files[f]!.batches) count += b.count;
  for (const b of layout.files[fileIndex]!.batches) if (b.position + b.size <= position) count += b.count;
  return count;
}

async function recoverAndCheck(dir: string, expectedRecords: number, logger = new MemoryLogger()): Promise<void> {
  const log = await openTestLog({ dir, config, logger, params: { hadCleanShutdown: false, recoveryPoint: 0 } });
  assert.equal(log.logEndOffset, BigInt(expectedRecords));
  for (const seg of log.segments) assert.equal(fs.statSync(seg.paths.log).size, seg.size, `${seg.paths.log} was cut at the damage`);
  const records = await readAll(log, 0n, 700);
  assert.deepEqual(
    records.map((r) => r.offset),
    Array.from({ length: expectedRecords }, (_, i) => BigInt(i)),
  );
  for (let o = 0; o < expectedRecords; o += 3) {
    const first = decodeBatches((await log.read(BigInt(o), 1)).bytes)[0]!;
    assert.ok(first.header.baseOffset <= BigInt(o) && BigInt(o) <= first.header.baseOffset + BigInt(first.header.lastOffsetDelta));
  }
  const r = await log.append(testBatch({ tag: 'after' }), none);
  assert.equal(r.baseOffset, BigInt(expectedRecords));
  await log.close();
  const reopened = await openTestLog({ dir, config, params: { hadCleanShutdown: true, recoveryPoint: Number.MAX_SAFE_INTEGER } });
  assert.equal(reopened.logEndOffset, BigInt(expectedRecords + 1));
  await reopened.close();
}

const appendsArb = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 3, maxLength: 40 });

test('a segment cut at any byte keeps exactly the whole batches before the cut', async () => {
  await fc.assert(
    fc.asyncProperty(appendsArb, fc.nat(), fc.nat(), async (appends, fileSeed, cutSeed) =>
      withTempDir(async (dir) => {
        const layout = await buildLog(dir, appends);
        // A torn write only ever hits the tail: the last segment.
        const f = layout.files.length - 1;
        const file = path.join(dir, layout.files[f]!.name);
        const size = fs.statSync(file).size;
        const cut = size === 0 ? 0 : cutSeed % size;
        fs.truncateSync(file, cut);
        void fileSeed;
        await recoverAndCheck(dir, survivors(layout, f, cut));
      }),
    ),
    { numRuns: 40 },
  );
});

test('a flipped byte anywhere under the length, magic or CRC truncates at its batch, dropping later segments with an error log', async () => {
  await fc.assert(
    fc.asyncProperty(appendsArb, fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), async (appends, fileSeed, posSeed, xor) =>
      withTempDir(async (dir) => {
        const layout = await buildLog(dir, appends);
        const f = fileSeed % layout.files.length;
        const { batches, name } = layout.files[f]!;
        const batch = batches[posSeed % batches.length]!;
        // Bytes 8-11 (length), 16 (magic) and 17.. (CRC and everything it covers). The base offset
        // and the leader epoch are outside the CRC by design (they are patched on append).
        const covered = [8, 9, 10, 11, ...Array.from({ length: batch.size - 16 }, (_, i) => 16 + i)];
        const at = batch.position + covered[Math.floor(posSeed / batches.length) % covered.length]!;
        const file = path.join(dir, name);
        const bytes = fs.readFileSync(file);
        bytes[at]! ^= xor;
        fs.writeFileSync(file, bytes);
        const logger = new MemoryLogger();
        await recoverAndCheck(dir, survivors(layout, f, batch.position), logger);
        const report = logger.entries.find((e) => e.level === 'error' || e.level === 'warn');
        assert.ok(report !== undefined, 'the damage is reported');
        assert.equal(report.fields['segment'], name);
        assert.equal(report.fields['position'], batch.position);
        const later = layout.files.slice(f + 1).map((x) => x.name);
        assert.deepEqual(report.fields['deletedSegments'], later);
        if (later.length > 0) assert.equal(report.level, 'error');
      }),
    ),
    { numRuns: 40 },
  );
});

test('a base offset that goes backwards is caught even though the CRC does not cover it', () =>
  withTempDir(async (dir) => {
    const layout = await buildLog(dir, [2, 2, 2, 2]);
    const { name, batches } = layout.files[0]!;
    const file = path.join(dir, name);
    const bytes = fs.readFileSync(file);
    bytes.writeBigInt64BE(0n, batches[2]!.position + BatchOffsets.baseOffset);
    fs.writeFileSync(file, bytes);
    await recoverAndCheck(dir, 4);
  }));

test('segments before the recovery point are trusted; only later ones are rescanned', () =>
  withTempDir(async (dir) => {
    const layout = await buildLog(dir, Array.from({ length: 30 }, () => 3));
    assert.ok(layout.files.length >= 3);
    const first = layout.files[0]!;
    const file = path.join(dir, first.name);
    const bytes = fs.readFileSync(file);
    bytes[first.batches[0]!.position + 40]! ^= 1; // damage inside a trusted segment goes unnoticed
    fs.writeFileSync(file, bytes);
    const last = layout.files.at(-1)!;
    fs.truncateSync(path.join(dir, last.name), last.batches[0]!.position + 10);
    const recoveryPoint = layout.files[1]!.batches[0]!.base;
    const log = await openTestLog({ dir, config, params: { hadCleanShutdown: false, recoveryPoint } });
    assert.equal(log.logEndOffset, BigInt(survivors(layout, layout.files.length - 1, last.batches[0]!.position + 10)));
    await log.close();
  }));

test('leftovers of interrupted work are resolved: .cleaned and .deleted removed, .swap swapped in', () =>
  withTempDir(async (dir) => {
    const layout = await buildLog(dir, Array.from({ length: 30 }, () => 2));
    assert.ok(layout.files.length >= 3);
    const [a, b] = layout.files as [Layout['files'][0], Layout['files'][0]];
    // A finished compaction of the first two segments whose swap was interrupted: the swap holds
    // only the last batch of each (offsets preserved), the old segments are still in place.
    const aBytes = fs.readFileSync(path.join(dir, a.name));
    const bBytes = fs.readFileSync(path.join(dir, b.name));
    const lastOf = (buf: Buffer, f: Layout['files'][0]): Buffer => {
      const x = f.batches.at(-1)!;
      return buf.subarray(x.position, x.position + x.size);
    };
    fs.writeFileSync(path.join(dir, `${a.name}.swap`), Buffer.concat([lastOf(aBytes, a), lastOf(bBytes, b)]));
    fs.writeFileSync(path.join(dir, '00000000000000000999.log.cleaned'), 'junk');
    fs.writeFileSync(path.join(dir, '00000000000000000998.log.deleted'), 'junk');
    fs.writeFileSync(path.join(dir, `${a.name.replace('.log', '.index')}.swap`), 'junk');
    const logger = new MemoryLogger();
    const log = await openTestLog({ dir, config, logger, params: { hadCleanShutdown: true, recoveryPoint: Number.MAX_SAFE_INTEGER } });
    const files = listDir(dir);
    assert.ok(!files.some((f) => f.endsWith('.cleaned') || f.endsWith('.deleted') || f.endsWith('.swap')), files.join(' '));
    assert.ok(!files.includes(b.name), 'the second old segment was replaced');
    const offsets = (await readAll(log)).map((r) => Number(r.offset));
    const keptA = a.batches.at(-1)!;
    const keptB = b.batches.at(-1)!;
    const rest = layout.files.slice(2).flatMap((f) => f.batches.flatMap((x) => Array.from({ length: x.count }, (_, i) => x.base + i)));
    assert.deepEqual(offsets, [keptA.base, keptA.base + 1, keptB.base, keptB.base + 1, ...rest]);
    assert.ok(logger.entries.some((e) => e.message.includes('interrupted compaction swap')));
    await log.close();
  }));

test('an empty directory starts an empty log at the checkpointed log start', () =>
  withTempDir(async (dir) => {
    const log = await openTestLog({ dir, params: { logStartOffset: 42 } });
    assert.deepEqual([log.logStartOffset, log.logEndOffset], [42n, 42n]);
    assert.equal((await log.append(testBatch(), none)).baseOffset, 42n);
    await log.close();
    assert.ok(listDir(dir).includes('00000000000000000042.log'));
  }));

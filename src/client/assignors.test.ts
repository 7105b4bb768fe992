import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cooperativeStickyAssignor, rangeAssignor, roundRobinAssignor, withholdTransfers, type AssignorMember } from './assignors.ts';
import type { TopicPartitions } from './consumer-protocol.ts';

const member = (memberId: string, topics: string[], owned: Record<string, number[]> = {}): AssignorMember => ({
  memberId,
  groupInstanceId: null,
  topics,
  owned: new Map(Object.entries(owned)),
});
const plain = (a: Map<string, TopicPartitions>): Record<string, Record<string, number[]>> =>
  Object.fromEntries([...a].map(([m, tps]) => [m, Object.fromEntries([...tps].map(([t, ps]) => [t, [...ps].sort((x, y) => x - y)]))]));

describe('range assignor (RangeAssignor)', () => {
  test('contiguous ranges per topic; the first members take the remainder', () => {
    const a = rangeAssignor.assign([member('c2', ['t', 'u']), member('c1', ['t', 'u'])], new Map([['t', 5], ['u', 2]]));
    assert.deepEqual(plain(a), { c1: { t: [0, 1, 2], u: [0] }, c2: { t: [3, 4], u: [1] } });
  });
  test('only subscribed members take a topic', () => {
    const a = rangeAssignor.assign([member('a', ['t']), member('b', ['u'])], new Map([['t', 2], ['u', 1]]));
    assert.deepEqual(plain(a), { a: { t: [0, 1] }, b: { u: [0] } });
  });
});

describe('round-robin assignor (RoundRobinAssignor)', () => {
  test('deals partitions of all topics in turn', () => {
    const a = roundRobinAssignor.assign([member('a', ['t', 'u']), member('b', ['t', 'u'])], new Map([['t', 3], ['u', 2]]));
    assert.deepEqual(plain(a), { a: { t: [0, 2], u: [1] }, b: { t: [1], u: [0] } });
  });
});

describe('cooperative-sticky assignor (KIP-429)', () => {
  test('balances a fresh group', () => {
    const a = cooperativeStickyAssignor.assign([member('a', ['t']), member('b', ['t']), member('c', ['t'])], new Map([['t', 7]]));
    const counts = [...a.values()].map((tps) => tps.get('t')?.length ?? 0).sort();
    assert.deepEqual(counts, [2, 2, 3]);
    assert.deepEqual([...a.values()].flatMap((tps) => tps.get('t') ?? []).sort(), [0, 1, 2, 3, 4, 5, 6]);
  });

  test('a joining member takes partitions from the owner, which keeps the rest (sticky)', () => {
    const members = [member('a', ['t'], { t: [0, 1, 2, 3] }), member('b', ['t'])];
    const a = cooperativeStickyAssignor.assign(members, new Map([['t', 4]]));
    const kept = a.get('a')!.get('t')!;
    assert.equal(kept.length, 2);
    assert.ok(kept.every((p) => [0, 1, 2, 3].includes(p)));
    // First round: the partitions moving to b are withheld until a has revoked them.
    const round1 = withholdTransfers(a, members);
    assert.deepEqual(plain(round1), { a: { t: kept }, b: {} });
    // Second round: a owns only what it kept; b now gets the rest.
    const members2 = [member('a', ['t'], { t: kept }), member('b', ['t'])];
    const round2 = withholdTransfers(cooperativeStickyAssignor.assign(members2, new Map([['t', 4]])), members2);
    assert.deepEqual(round2.get('a')!.get('t'), kept);
    assert.deepEqual(round2.get('b')!.get('t')!.concat(kept).sort(), [0, 1, 2, 3]);
  });
});

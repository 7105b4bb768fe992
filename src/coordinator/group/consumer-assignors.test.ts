import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { assignmentSize, rangeAssignor, uniformAssignor, type Assignment, type AssignorMember } from './consumer-assignors.ts';

const member = (memberId: string, topicIds: string[], previous: Assignment = new Map()): AssignorMember => ({ memberId, topicIds: new Set(topicIds), previous });

function owners(result: Map<string, Assignment>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [m, a] of result) {
    for (const [t, ps] of a) {
      for (const p of ps) {
        assert.equal(out.has(`${t}:${p}`), false, `${t}:${p} assigned twice`);
        out.set(`${t}:${p}`, m);
      }
    }
  }
  return out;
}

for (const assignor of [uniformAssignor, rangeAssignor]) {
  test(`${assignor.name}: every subscribed partition goes to exactly one member subscribed to its topic`, () => {
    fc.assert(
      fc.property(
        fc.array(fc.subarray(['t1', 't2', 't3'], { minLength: 1 }), { minLength: 1, maxLength: 6 }),
        fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 })),
        (subs, [n1, n2, n3]) => {
          const counts = new Map([
            ['t1', n1],
            ['t2', n2],
            ['t3', n3],
          ]);
          const members = subs.map((s, i) => member(`m${i}`, s));
          const subscribed = new Set(subs.flat());
          const result = assignor.assign(members, new Map([...counts].filter(([t]) => subscribed.has(t))));
          const o = owners(result);
          for (const t of subscribed) {
            for (let p = 0; p < counts.get(t)!; p++) {
              const m = o.get(`${t}:${p}`);
              assert.ok(m !== undefined, `${t}:${p} unassigned`);
              assert.ok(members.find((x) => x.memberId === m)!.topicIds.has(t));
            }
          }
          assert.equal(o.size, [...subscribed].reduce((n, t) => n + counts.get(t)!, 0));
        },
      ),
    );
  });
}

test('uniform: members with the same subscription differ by at most one partition', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 40 }), (m, n) => {
      const members = Array.from({ length: m }, (_, i) => member(`m${i}`, ['t']));
      const sizes = [...uniformAssignor.assign(members, new Map([['t', n]])).values()].map(assignmentSize);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, sizes.join(','));
    }),
  );
});

test('uniform: sticky — a member joining takes partitions only from others, nobody else swaps', () => {
  const first = uniformAssignor.assign([member('a', ['t']), member('b', ['t'])], new Map([['t', 6]]));
  const second = uniformAssignor.assign(
    [member('a', ['t'], first.get('a')), member('b', ['t'], first.get('b')), member('c', ['t'])],
    new Map([['t', 6]]),
  );
  for (const m of ['a', 'b']) for (const p of second.get(m)!.get('t')!) assert.ok(first.get(m)!.get('t')!.has(p));
  assert.equal(assignmentSize(second.get('c')!), 2);
});

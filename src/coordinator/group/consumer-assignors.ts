/**
 * Server-side assignors of KIP-848 consumer groups (Kafka's `ConsumerGroupPartitionAssignor`
 * implementations `UniformAssignor` and `RangeAssignor`, chosen by `group.consumer.assignors` or by
 * the member's `ServerAssignor` field). An assignment maps topic id → partitions.
 *
 * Both follow Kafka's contract (every subscribed partition goes to exactly one member subscribed to
 * its topic) but not its exact output:
 * - uniform: sticky to the previous target assignment, then balanced so that members with the same
 *   subscription differ by at most one partition (Kafka's OptimizedUniformAssignmentBuilder gives the
 *   same balance for homogeneous groups; for heterogeneous ones this is a greedy approximation of its
 *   GeneralUniformAssignmentBuilder).
 * - range: per topic, the subscribed members sorted by member id get contiguous ranges, the first
 *   `partitions % members` one extra (the classic RangeAssignor's layout; Kafka's server-side range
 *   assignor is additionally sticky, this one is not).
 */

export type Assignment = Map<string, Set<number>>;

export interface AssignorMember {
  readonly memberId: string;
  /** Topic ids the member subscribes to that exist. */
  readonly topicIds: ReadonlySet<string>;
  /** The member's current target assignment (stickiness); empty for a new member. */
  readonly previous: Assignment;
}

export interface ConsumerAssignor {
  readonly name: string;
  /** `partitionCounts`: topic id → partition count for every subscribed topic that exists. */
  assign(members: readonly AssignorMember[], partitionCounts: ReadonlyMap<string, number>): Map<string, Assignment>;
}

const byId = (a: { memberId: string }, b: { memberId: string }): number => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0);

function add(a: Assignment, topicId: string, partition: number): void {
  let s = a.get(topicId);
  if (s === undefined) a.set(topicId, (s = new Set()));
  s.add(partition);
}

export function assignmentSize(a: Assignment): number {
  let n = 0;
  for (const s of a.values()) n += s.size;
  return n;
}

export const uniformAssignor: ConsumerAssignor = {
  name: 'uniform',
  assign(membersIn, partitionCounts) {
    const members = [...membersIn].sort(byId);
    const result = new Map<string, Assignment>(members.map((m) => [m.memberId, new Map()]));
    const count = new Map<string, number>(members.map((m) => [m.memberId, 0]));
    const owner = new Map<string, string>();
    const key = (t: string, p: number): string => `${t}:${p}`;
    const give = (memberId: string, t: string, p: number): void => {
      add(result.get(memberId)!, t, p);
      count.set(memberId, count.get(memberId)! + 1);
      owner.set(key(t, p), memberId);
    };
    // 1. Stickiness: keep what each member had in the previous target, if still subscribed and existing.
    for (const m of members) {
      for (const [t, ps] of m.previous) {
        const n = partitionCounts.get(t);
        if (n === undefined || !m.topicIds.has(t)) continue;
        for (const p of [...ps].sort((a, b) => a - b)) if (p < n && !owner.has(key(t, p))) give(m.memberId, t, p);
      }
    }
    // 2. Every unowned partition goes to the least loaded subscribed member.
    for (const t of [...partitionCounts.keys()].sort()) {
      const eligible = members.filter((m) => m.topicIds.has(t));
      if (eligible.length === 0) continue;
      for (let p = 0; p < partitionCounts.get(t)!; p++) {
        if (owner.has(key(t, p))) continue;
        let best = eligible[0]!;
        for (const m of eligible) if (count.get(m.memberId)! < count.get(best.memberId)!) best = m;
        give(best.memberId, t, p);
      }
    }
    // 3. Balance: move a partition from a member holding two or more above another member that may take
    // it. Each move lowers the sum of squared counts, so the loop ends.
    for (;;) {
      let moved = false;
      const order = [...members].sort((a, b) => count.get(b.memberId)! - count.get(a.memberId)! || byId(a, b));
      outer: for (const heavy of order) {
        for (const light of [...order].reverse()) {
          if (count.get(heavy.memberId)! - count.get(light.memberId)! <= 1) break;
          const from = result.get(heavy.memberId)!;
          for (const t of [...from.keys()].sort()) {
            if (!light.topicIds.has(t)) continue;
            const ps = from.get(t)!;
            const p = Math.max(...ps);
            ps.delete(p);
            if (ps.size === 0) from.delete(t);
            count.set(heavy.memberId, count.get(heavy.memberId)! - 1);
            give(light.memberId, t, p);
            moved = true;
            break outer;
          }
        }
      }
      if (!moved) return result;
    }
  },
};

export const rangeAssignor: ConsumerAssignor = {
  name: 'range',
  assign(membersIn, partitionCounts) {
    const members = [...membersIn].sort(byId);
    const result = new Map<string, Assignment>(members.map((m) => [m.memberId, new Map()]));
    for (const [t, n] of [...partitionCounts].sort()) {
      const eligible = members.filter((m) => m.topicIds.has(t));
      if (eligible.length === 0) continue;
      const quota = Math.floor(n / eligible.length);
      const extra = n % eligible.length;
      let next = 0;
      eligible.forEach((m, i) => {
        const take = quota + (i < extra ? 1 : 0);
        for (let k = 0; k < take; k++) add(result.get(m.memberId)!, t, next++);
      });
    }
    return result;
  },
};

/** Every assignor this broker knows, by name (`group.consumer.assignors` picks from these). */
export const ASSIGNORS: ReadonlyMap<string, ConsumerAssignor> = new Map([uniformAssignor, rangeAssignor].map((a) => [a.name, a]));

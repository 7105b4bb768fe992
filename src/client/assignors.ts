import type { TopicPartitions } from './consumer-protocol.ts';

export interface AssignorMember {
  memberId: string;
  /** Static member id (KIP-345); members are ordered by it when present, as Java does. */
  groupInstanceId: string | null;
  topics: readonly string[];
  /** Partitions the member owned before this rebalance (subscription v1+). */
  owned: TopicPartitions;
}

/**
 * A partition assignor run by the group leader (ConsumerPartitionAssignor). `rebalance` says how
 * members move partitions: 'eager' revokes everything before rejoining; 'cooperative' (KIP-429)
 * keeps what stays and revokes only what moves, in a second rebalance.
 */
export interface Assignor {
  readonly name: string;
  readonly rebalance: 'eager' | 'cooperative';
  assign(members: readonly AssignorMember[], partitionsPerTopic: ReadonlyMap<string, number>): Map<string, TopicPartitions>;
}

function byMemberOrder(a: AssignorMember, b: AssignorMember): number {
  const ka = a.groupInstanceId ?? a.memberId;
  const kb = b.groupInstanceId ?? b.memberId;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function emptyAssignment(members: readonly AssignorMember[]): Map<string, TopicPartitions> {
  return new Map(members.map((m) => [m.memberId, new Map()]));
}

function add(a: Map<string, TopicPartitions>, memberId: string, topic: string, partition: number): void {
  const m = a.get(memberId)!;
  m.set(topic, [...(m.get(topic) ?? []), partition]);
}

/**
 * RangeAssignor: per topic, the subscribed members in order each take a contiguous range;
 * the first (partitions % members) take one extra.
 */
export const rangeAssignor: Assignor = {
  name: 'range',
  rebalance: 'eager',
  assign(members, partitionsPerTopic) {
    const out = emptyAssignment(members);
    for (const [topic, count] of [...partitionsPerTopic].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const subscribed = members.filter((m) => m.topics.includes(topic)).sort(byMemberOrder);
      if (subscribed.length === 0) continue;
      const per = Math.floor(count / subscribed.length);
      const extra = count % subscribed.length;
      let next = 0;
      subscribed.forEach((m, i) => {
        const n = per + (i < extra ? 1 : 0);
        for (let k = 0; k < n; k++) add(out, m.memberId, topic, next++);
      });
    }
    return out;
  },
};

/** RoundRobinAssignor: all partitions in (topic, partition) order dealt in turn to the members subscribed to their topic. */
export const roundRobinAssignor: Assignor = {
  name: 'roundrobin',
  rebalance: 'eager',
  assign(members, partitionsPerTopic) {
    const out = emptyAssignment(members);
    const ordered = [...members].sort(byMemberOrder);
    let cursor = 0;
    for (const [topic, count] of [...partitionsPerTopic].sort(([a], [b]) => (a < b ? -1 : 1))) {
      for (let p = 0; p < count; p++) {
        for (let tries = 0; tries < ordered.length; tries++) {
          const m = ordered[cursor % ordered.length]!;
          cursor++;
          if (m.topics.includes(topic)) {
            add(out, m.memberId, topic, p);
            break;
          }
        }
      }
    }
    return out;
  },
};

/**
 * CooperativeStickyAssignor (KIP-429), simplified from AbstractStickyAssignor: balance the number
 * of partitions per member (counts differ by at most one among members with the same
 * subscription), keeping every owned partition that fits its owner's quota, then dealing the rest
 * to the least-loaded subscribed members. The leader then withholds partitions that change owner
 * (see withholdTransfers), so they are first revoked by their old owner.
 */
export const cooperativeStickyAssignor: Assignor = {
  name: 'cooperative-sticky',
  rebalance: 'cooperative',
  assign(members, partitionsPerTopic) {
    const out = emptyAssignment(members);
    const ordered = [...members].sort(byMemberOrder);
    const load = new Map(ordered.map((m) => [m.memberId, 0]));
    const all: Array<[string, number]> = [];
    for (const [topic, count] of [...partitionsPerTopic].sort(([a], [b]) => (a < b ? -1 : 1))) for (let p = 0; p < count; p++) all.push([topic, p]);
    const eligible = (topic: string): AssignorMember[] => ordered.filter((m) => m.topics.includes(topic));
    // Quota: total partitions each member may keep, ceil(all / members) for subscribers of everything.
    const quota = ordered.length === 0 ? 0 : Math.ceil(all.length / ordered.length);
    const owner = new Map<string, string>();
    for (const m of ordered) for (const [topic, ps] of m.owned) for (const p of ps) if (!owner.has(`${topic}\0${p}`)) owner.set(`${topic}\0${p}`, m.memberId);
    const unassigned: Array<[string, number]> = [];
    for (const [topic, p] of all) {
      const prev = owner.get(`${topic}\0${p}`);
      const member = prev === undefined ? undefined : ordered.find((m) => m.memberId === prev);
      if (member !== undefined && member.topics.includes(topic) && load.get(member.memberId)! < quota) {
        add(out, member.memberId, topic, p);
        load.set(member.memberId, load.get(member.memberId)! + 1);
      } else unassigned.push([topic, p]);
    }
    for (const [topic, p] of unassigned) {
      const candidates = eligible(topic);
      if (candidates.length === 0) continue;
      let best = candidates[0]!;
      for (const c of candidates) if (load.get(c.memberId)! < load.get(best.memberId)!) best = c;
      add(out, best.memberId, topic, p);
      load.set(best.memberId, load.get(best.memberId)! + 1);
    }
    // Evening out: move partitions (non-owned first) from members above the floor to those two below.
    for (let moved = true; moved; ) {
      moved = false;
      const sorted = [...ordered].sort((a, b) => load.get(b.memberId)! - load.get(a.memberId)!);
      const most = sorted[0];
      const least = sorted[sorted.length - 1];
      if (most === undefined || least === undefined || load.get(most.memberId)! - load.get(least.memberId)! <= 1) break;
      for (const [topic, ps] of out.get(most.memberId)!) {
        if (!least.topics.includes(topic) || ps.length === 0) continue;
        const p = ps.pop()!;
        add(out, least.memberId, topic, p);
        load.set(most.memberId, load.get(most.memberId)! - 1);
        load.set(least.memberId, load.get(least.memberId)! + 1);
        moved = true;
        break;
      }
    }
    for (const a of out.values()) for (const [t, ps] of a) a.set(t, ps.sort((x, y) => x - y));
    return out;
  },
};

/**
 * Cooperative rebalancing (ConsumerCoordinator / KIP-429): a partition that another member still
 * owns is left out of its new owner's assignment this round; the old owner revokes it on seeing
 * its own assignment shrink and rejoins, and the next rebalance hands it over.
 */
export function withholdTransfers(assignment: Map<string, TopicPartitions>, members: readonly AssignorMember[]): Map<string, TopicPartitions> {
  const owner = new Map<string, string>();
  for (const m of members) for (const [topic, ps] of m.owned) for (const p of ps) owner.set(`${topic}\0${p}`, m.memberId);
  const out = new Map<string, TopicPartitions>();
  for (const [memberId, tps] of assignment) {
    const kept: TopicPartitions = new Map();
    for (const [topic, ps] of tps) {
      const keep = ps.filter((p) => {
        const prev = owner.get(`${topic}\0${p}`);
        return prev === undefined || prev === memberId;
      });
      if (keep.length > 0) kept.set(topic, keep);
    }
    out.set(memberId, kept);
  }
  return out;
}

export const BUILTIN_ASSIGNORS: Readonly<Record<string, Assignor>> = {
  range: rangeAssignor,
  roundrobin: roundRobinAssignor,
  'cooperative-sticky': cooperativeStickyAssignor,
};

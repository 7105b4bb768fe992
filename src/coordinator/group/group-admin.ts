import { ErrorCode } from '../../protocol/messages/index.ts';
import type { Logger } from '../../util/index.ts';
import { GroupState, type ClassicGroup } from './classic-group.ts';
import type { ConsumerGroupCoordinator } from './consumer-group-coordinator.ts';
import type { GroupLog } from './group-log.ts';
import { groupKey, offsetKey } from './group-records.ts';
import type { GroupDescription, GroupListing } from './types.ts';

/**
 * The admin side of groups: DescribeGroups, ListGroups, DeleteGroups (Kafka's
 * `GroupCoordinator.handleDescribeGroup` / `handleListGroups` / `handleDeleteGroups`). They read the
 * coordinator's groups; deletion writes tombstones for the group and every offset it committed.
 */
export interface AdminHost {
  readonly groups: Map<string, ClassicGroup>;
  readonly closed: boolean;
  forget(group: ClassicGroup): void;
  readonly consumer: ConsumerGroupCoordinator;
}

const EMPTY = Buffer.alloc(0);

export function describeGroup(host: AdminHost, groupId: string): GroupDescription {
  const dead = (errorCode: number): GroupDescription => ({ errorCode, groupId, state: GroupState.Dead, protocolType: '', protocolData: '', members: [] });
  if (host.closed) return dead(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  if (groupId === '') return dead(ErrorCode.INVALID_GROUP_ID);
  const group = host.groups.get(groupId);
  // Kafka answers an unknown group with a Dead summary and no error.
  // A KIP-848 group is not described by DescribeGroups: clients use ConsumerGroupDescribe (Kafka 4's answer).
  if (host.consumer.groups.has(groupId)) return dead(ErrorCode.GROUP_ID_NOT_FOUND);
  if (group === undefined) return dead(ErrorCode.NONE);
  // Member metadata and assignments only mean something once the generation is complete.
  const stable = group.is(GroupState.Stable);
  return {
    errorCode: ErrorCode.NONE,
    groupId,
    state: group.state,
    protocolType: group.protocolType ?? '',
    protocolData: stable ? (group.protocolName ?? '') : '',
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      memberMetadata: stable ? group.metadataOf(m) : EMPTY,
      memberAssignment: stable ? m.assignment : EMPTY,
    })),
  };
}

/** ListGroups; filters are case-insensitive (KIP-518 states, KIP-848 types: every group here is "classic"). */
export function listGroups(host: AdminHost, statesFilter: readonly string[], typesFilter: readonly string[]): GroupListing[] {
  const states = new Set(statesFilter.map((s) => s.toLowerCase()));
  const types = new Set(typesFilter.map((s) => s.toLowerCase()));
  const out: GroupListing[] = [];
  for (const g of host.groups.values()) {
    if (g.is(GroupState.Dead) || host.consumer.groups.has(g.groupId)) continue;
    if (states.size > 0 && !states.has(g.state.toLowerCase())) continue;
    if (types.size > 0 && !types.has('classic')) continue;
    out.push({ groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state, type: 'classic' });
  }
  // KIP-848 groups list with protocol type "consumer" and type "consumer".
  for (const g of host.consumer.list()) {
    if (states.size > 0 && !states.has(g.state.toLowerCase())) continue;
    if (types.size > 0 && !types.has('consumer')) continue;
    out.push({ groupId: g.groupId, protocolType: 'consumer', state: g.state, type: 'consumer' });
  }
  return out;
}

/** DeleteGroups: only Empty groups (NON_EMPTY_GROUP otherwise; GROUP_ID_NOT_FOUND when unknown). */
export async function deleteGroups(host: AdminHost, deps: { log: GroupLog; logger: Logger }, groupIds: readonly string[]): Promise<{ groupId: string; errorCode: number }[]> {
  const results: { groupId: string; errorCode: number }[] = [];
  for (const groupId of groupIds) {
    const group = host.groups.get(groupId);
    let errorCode: number;
    if (host.closed) errorCode = ErrorCode.COORDINATOR_NOT_AVAILABLE;
    else if (groupId === '') errorCode = ErrorCode.INVALID_GROUP_ID;
    else if (host.consumer.hasMembers(groupId)) errorCode = ErrorCode.NON_EMPTY_GROUP;
    else if (host.consumer.forgetIfEmpty(groupId) && group === undefined) errorCode = ErrorCode.NONE;
    else if (group === undefined || group.is(GroupState.Dead)) errorCode = ErrorCode.GROUP_ID_NOT_FOUND;
    else if (!group.is(GroupState.Empty)) errorCode = ErrorCode.NON_EMPTY_GROUP;
    else errorCode = await deleteGroup(host, deps, group);
    results.push({ groupId, errorCode });
  }
  return results;
}

async function deleteGroup(host: AdminHost, deps: { log: GroupLog; logger: Logger }, group: ClassicGroup): Promise<number> {
  const records = group.allOffsets().map((o) => ({ key: offsetKey(group.groupId, o.topic, o.partition), value: null }));
  records.push({ key: groupKey(group.groupId), value: null });
  // Dead before the append, as Kafka does under the group lock: a member joining meanwhile starts a
  // new group (whose records follow the tombstones in the log) instead of parking in a dying one.
  host.forget(group);
  try {
    await deps.log.append(deps.log.partitionFor(group.groupId), records);
  } catch (error) {
    deps.logger.warn('failed to write group tombstones', { group: group.groupId, error: String(error) });
    return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }
  return ErrorCode.NONE;
}

/**
 * Versions of messages newer than the spec copy in shared/kafka-protocol, written down field by field
 * so the generator can serve them. Each patch names its KIP and the Kafka release that shipped it;
 * delete a patch once the shared copy has the version (the generator fails if a patch no longer
 * applies, so a stale one cannot hide).
 */

interface PatchableField {
  name: string;
  type: string;
  versions?: string;
  taggedVersions?: string;
  tag?: number;
  default?: string | number | boolean;
  about?: string;
  fields?: PatchableField[];
}

export interface PatchableMessage {
  name: string;
  validVersions: string;
  fields: PatchableField[];
  commonStructs?: Array<{ name: string; fields: PatchableField[] }>;
}

type Patch = (message: PatchableMessage) => void;

function field(fields: PatchableField[] | undefined, name: string, message: string): PatchableField {
  const found = fields?.find((f) => f.name === name);
  if (found === undefined) throw new Error(`spec patch for ${message}: no field ${name}`);
  return found;
}

function bumpVersions(message: PatchableMessage, from: string, to: string): void {
  if (message.validVersions !== from) {
    throw new Error(`spec patch for ${message.name}: expected validVersions ${from}, found ${message.validVersions} (remove the patch?)`);
  }
  message.validVersions = to;
}

const PATCHES: ReadonlyMap<string, Patch> = new Map<string, Patch>([
  // KIP-1099 (Kafka 4.0): ConsumerGroupDescribe v1 reports each member's type, so tools can tell
  // members that joined through the classic protocol from KIP-848 ones. The request is unchanged.
  ['ConsumerGroupDescribeRequest', (m) => bumpVersions(m, '0', '0-1')],
  [
    'ConsumerGroupDescribeResponse',
    (m) => {
      bumpVersions(m, '0', '0-1');
      const members = field(field(m.fields, 'Groups', m.name).fields, 'Members', m.name);
      members.fields?.push({
        name: 'MemberType',
        type: 'int8',
        versions: '1+',
        default: '-1',
        about: '-1 for unknown, 0 for a classic-protocol member, 1 for a consumer-protocol member.',
      });
    },
  ],
  // KIP-1251 (Kafka 4.3): the epoch at which each partition was assigned to the member, so that a
  // commit carrying an older member epoch is still accepted for partitions held since then, also
  // after a coordinator restart. A tagged field of the record's version 0, as Kafka 4.3 writes it
  // (tag 0, omitted when empty; read back as the member epoch when absent or of another length).
  [
    'ConsumerGroupCurrentMemberAssignmentValue',
    (m) => {
      const struct = m.commonStructs?.find((s) => s.name === 'TopicPartitions');
      if (struct === undefined) throw new Error(`spec patch for ${m.name}: no common struct TopicPartitions`);
      if (struct.fields.some((f) => f.name === 'AssignmentEpochs')) throw new Error(`spec patch for ${m.name}: AssignmentEpochs is already there (remove the patch)`);
      struct.fields.push({
        name: 'AssignmentEpochs',
        type: '[]int32',
        versions: '0+',
        taggedVersions: '0+',
        tag: 0,
        about: 'The epoch at which each partition was assigned to the member; as long as Partitions.',
      });
    },
  ],
]);

/** Applies the patch for `message`, if any, to its parsed JSON. */
export function patchMessage(message: PatchableMessage): void {
  PATCHES.get(message.name)?.(message);
}

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
  default?: string | number | boolean;
  about?: string;
  fields?: PatchableField[];
}

export interface PatchableMessage {
  name: string;
  validVersions: string;
  fields: PatchableField[];
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
]);

/** Applies the patch for `message`, if any, to its parsed JSON. */
export function patchMessage(message: PatchableMessage): void {
  PATCHES.get(message.name)?.(message);
}

import { ErrorCode } from '../../protocol/messages/index.ts';
import { topicNameError } from '../topic-name.ts';
import type { RequestContext } from './handler.ts';

/** `ConfigResource.Type` codes used by DescribeConfigs, AlterConfigs and IncrementalAlterConfigs. */
export const ResourceType = {
  topic: 2,
  broker: 4,
  brokerLogger: 8,
} as const;

export interface ResourceError {
  readonly errorCode: number;
  readonly errorMessage: string;
}

/** Checks a TOPIC resource name: legal, and known to this cluster. */
export function checkTopicResource(ctx: RequestContext, name: string): ResourceError | null {
  const invalid = topicNameError(name);
  if (invalid !== null) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: invalid };
  if (ctx.services.metadata.topic(name) === undefined) {
    return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic ${name} does not exist.` };
  }
  return null;
}

/**
 * Checks a BROKER resource name: this broker's id, or "" for the cluster-wide default (Kafka's
 * `ConfigAdminManager` sends other ids' requests to that broker; here they are an error).
 */
export function checkBrokerResource(ctx: RequestContext, name: string): ResourceError | null {
  if (name === '' || name === String(ctx.services.nodeId)) return null;
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unexpected broker id, expected ${ctx.services.nodeId}, but received ${name}` };
}

/** Resources named twice in one request are all rejected, as Kafka does. */
export function duplicateResources(resources: readonly { resourceType: number; resourceName: string }[]): Set<string> {
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const r of resources) {
    const key = `${r.resourceType}:${r.resourceName}`;
    if (seen.has(key)) dups.add(key);
    seen.add(key);
  }
  return dups;
}

export const STATIC_BROKER_CONFIG_MESSAGE =
  'Gregor has no dynamically updatable broker configs yet; set broker properties in server.properties or with --override and restart.';

/**
 * The checks AlterConfigs and IncrementalAlterConfigs share before touching a resource: duplicates
 * in the request, static broker configs, unsupported resource types, unknown or invalid topics.
 * Returns the error to answer, or null when the resource is an existing topic that may be altered.
 */
export function checkAlterableResource(
  ctx: RequestContext,
  resource: { resourceType: number; resourceName: string },
  duplicates: ReadonlySet<string>,
): ResourceError | null {
  if (duplicates.has(`${resource.resourceType}:${resource.resourceName}`)) {
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate resource in request.' };
  }
  if (resource.resourceType === ResourceType.broker) {
    return checkBrokerResource(ctx, resource.resourceName) ?? { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: STATIC_BROKER_CONFIG_MESSAGE };
  }
  if (resource.resourceType !== ResourceType.topic) {
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${resource.resourceType}` };
  }
  return checkTopicResource(ctx, resource.resourceName);
}

import { ApiKey, ErrorCode, type CreatePartitionsResponseCreatePartitionsTopicResultInput } from '../../protocol/messages/index.ts';
import { MAX_PARTITIONS_PER_REQUEST } from './19-create-topics.ts';
import { defineHandler } from './handler.ts';

/**
 * CreatePartitions (key 37), v0-3 (KIP-195): one result per requested topic (clients match them by
 * name; a missing result hangs the Java admin). Duplicate topics are all rejected with INVALID_REQUEST.
 * A request adding more than MAX_PARTITIONS_PER_REQUEST partitions in total is refused whole with
 * POLICY_VIOLATION before any assignment is computed, as Kafka's controller refuses a batch of more
 * than 10,000 records (`BoundedListTooLongException` in `EventHandlerExceptionInfo`).
 */
export const handler = defineHandler({
  apiKey: ApiKey.CreatePartitions,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, request) {
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    let added = 0;
    for (const t of request.topics) added += Math.max(0, t.count - (ctx.services.metadata.topic(t.name)?.partitions.length ?? t.count));
    if (added > MAX_PARTITIONS_PER_REQUEST) {
      const errorMessage = 'Unable to perform excessively large batch operation.';
      return { throttleTimeMs: 0, results: request.topics.map((t) => ({ name: t.name, errorCode: ErrorCode.POLICY_VIOLATION, errorMessage })) };
    }
    const results: CreatePartitionsResponseCreatePartitionsTopicResultInput[] = [];
    for (const t of request.topics) {
      if ((counts.get(t.name) ?? 0) > 1) {
        results.push({ name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic in request.' });
        continue;
      }
      const assignments = t.assignments === null ? null : t.assignments.map((a) => a.brokerIds);
      const outcome = await ctx.services.topics.addPartitions(t.name, t.count, assignments, request.validateOnly);
      results.push({ name: t.name, errorCode: outcome.errorCode, errorMessage: outcome.errorMessage });
    }
    return { throttleTimeMs: 0, results };
  },
  errorResponse: (request, _version, errorCode) => ({ throttleTimeMs: 0, results: request.topics.map((t) => ({ name: t.name, errorCode })) }),
});

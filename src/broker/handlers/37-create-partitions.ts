import { ApiKey, ErrorCode, type CreatePartitionsResponseCreatePartitionsTopicResultInput } from '../../protocol/messages/index.ts';
import { defineHandler } from './handler.ts';

/**
 * CreatePartitions (key 37), v0-3 (KIP-195): one result per requested topic (clients match them by
 * name; a missing result hangs the Java admin). Duplicate topics are all rejected with INVALID_REQUEST.
 */
export const handler = defineHandler({
  apiKey: ApiKey.CreatePartitions,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, request) {
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
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

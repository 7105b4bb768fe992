import { ApiKey, ErrorCode, type DeleteTopicsResponseDeletableTopicResultInput } from '../../protocol/messages/index.ts';
import { ZERO_UUID } from '../../protocol/wire/index.ts';
import { defineHandler } from './handler.ts';

/**
 * DeleteTopics (key 20), v0-6: by name (`topic_names`, v0-5) or by name or id (`topics`, v6, KIP-516).
 * Removes the topic from the metadata store, then its partition logs. Unknown names answer
 * UNKNOWN_TOPIC_OR_PARTITION, unknown ids UNKNOWN_TOPIC_ID, as Kafka's controller does.
 */
export const handler = defineHandler({
  apiKey: ApiKey.DeleteTopics,
  minVersion: 0,
  maxVersion: 6,
  async handle(ctx, request, version) {
    const { metadata, topics } = ctx.services;
    const wanted = version >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    const responses: DeleteTopicsResponseDeletableTopicResultInput[] = [];
    for (const w of wanted) {
      if (w.name !== null && w.topicId !== ZERO_UUID) {
        responses.push({ name: w.name, topicId: w.topicId, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Topic name and topic ID can not both be specified.' });
        continue;
      }
      let name = w.name;
      if (name === null) {
        name = metadata.topicById(w.topicId)?.name ?? null;
        if (name === null) {
          responses.push({ name: null, topicId: w.topicId, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: 'This server does not host this topic ID.' });
          continue;
        }
      }
      const outcome = await topics.delete(name);
      responses.push({ name, topicId: outcome.topic?.topicId ?? w.topicId, errorCode: outcome.errorCode, errorMessage: outcome.errorMessage });
    }
    return { throttleTimeMs: 0, responses };
  },
  errorResponse(request, version, errorCode) {
    const names = version >= 6 ? request.topics.map((t) => ({ name: t.name, topicId: t.topicId })) : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    return { responses: names.map((n) => ({ ...n, errorCode })) };
  },
});

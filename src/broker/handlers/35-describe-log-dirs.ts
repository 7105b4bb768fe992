import { resolve } from 'node:path';
import { ApiKey, ErrorCode, type DescribeLogDirsResponseDescribeLogDirsTopicInput } from '../../protocol/messages/index.ts';
import { defineHandler } from './handler.ts';

/**
 * DescribeLogDirs (key 35), v1-4 (KIP-113; v4 adds total/usable bytes, KIP-827): partitions and their
 * sizes per log directory. `topics` null = every partition. No future (reassignment) replicas exist,
 * and a leader has no lag.
 */
export const handler = defineHandler({
  apiKey: ApiKey.DescribeLogDirs,
  minVersion: 1,
  maxVersion: 4,
  async handle(ctx, request) {
    const wanted = request.topics === null ? null : new Map(request.topics.map((t) => [t.topic, new Set(t.partitions)]));
    const dirs = await ctx.services.logs.describeLogDirs();
    const results = dirs.map((dir) => {
      const byTopic = new Map<string, DescribeLogDirsResponseDescribeLogDirsTopicInput>();
      for (const p of dir.partitions) {
        if (wanted !== null && wanted.get(p.topic)?.has(p.partition) !== true) continue;
        let t = byTopic.get(p.topic);
        if (t === undefined) {
          t = { name: p.topic, partitions: [] };
          byTopic.set(p.topic, t);
        }
        t.partitions.push({ partitionIndex: p.partition, partitionSize: p.size, offsetLag: 0n, isFutureKey: false });
      }
      return { errorCode: ErrorCode.NONE, logDir: resolve(dir.path), topics: [...byTopic.values()], totalBytes: dir.totalBytes, usableBytes: dir.usableBytes };
    });
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, results };
  },
  errorResponse: (_request, _version, errorCode) => ({ throttleTimeMs: 0, errorCode, results: [] }),
});

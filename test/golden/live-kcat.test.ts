import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiKey, decodeRequestFrameBody, decodeRequestHeaderFrom, type RequestBodies } from '../../src/protocol/messages/index.ts';
import { Reader } from '../../src/protocol/wire/index.ts';
import { startCaptureServer, type CaptureServer } from './capture-server.ts';
import { kcatProduce } from './drivers/kcat.ts';
import { CODEC_IDS, CODECS, goldenRecords, type SentRecord } from './golden-records.ts';
import { decodeProducedBatches } from './produced-batches.ts';

/**
 * Item 7d, re-proved on every run with the kcat installed here: librdkafka builds a record batch
 * with each codec, and the records module decodes it to exactly the records kcat was given.
 * kcat is a required peer (scripts/install-peers.ts), so a missing kcat fails, in CI or not.
 */

const KCAT_TIMEOUT_MS = 15_000;

function producedTo(server: CaptureServer, topic: string): RequestBodies[typeof ApiKey.Produce][] {
  const bodies = [];
  for (const request of server.requests) {
    if (request.apiKey !== ApiKey.Produce) continue;
    const r = new Reader(request.frame);
    decodeRequestHeaderFrom(r);
    const body = decodeRequestFrameBody(ApiKey.Produce, request.apiVersion, r);
    if (body.topicData.some((t) => t.name === topic)) bodies.push(body);
  }
  return bodies;
}

describe('kcat produces 3 keyed records with headers, once per codec', () => {
  let server: CaptureServer;
  before(async () => {
    server = await startCaptureServer();
    // One topic per codec, so the five kcat processes can run side by side.
    await Promise.all(
      CODECS.map((codec) =>
        kcatProduce(server.port, `live-${codec}`, codec, goldenRecords('kcat-live', codec), KCAT_TIMEOUT_MS).catch((error: unknown) => {
          const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
          throw missing ? new Error('kcat is not installed; it is a required peer: node scripts/install-peers.ts', { cause: error }) : error;
        }),
      ),
    );
  });
  after(() => server?.close());

  for (const codec of CODECS) {
    it(`${codec}: the batches decode to exactly the records sent`, () => {
      const requests = producedTo(server, `live-${codec}`);
      assert.ok(requests.length > 0, 'kcat sent a Produce request');
      const records: SentRecord[] = [];
      for (const request of requests) {
        for (const partition of request.topicData[0]!.partitionData) {
          for (const batch of decodeProducedBatches(partition.records!)) {
            assert.equal(batch.compression, CODEC_IDS[codec]);
            records.push(...batch.records);
          }
        }
      }
      assert.deepEqual(records, goldenRecords('kcat-live', codec));
    });
  }
});

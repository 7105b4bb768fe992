import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  API_INFO,
  ApiKey,
  decodeRequestFrameBody,
  decodeRequestHeaderFrom,
  encodeRequestFrame,
  requestHeaderVersion,
  type ApiKeyNumber,
  type RequestBodies,
  type RequestHeader,
} from '../../src/protocol/messages/index.ts';
import { Reader } from '../../src/protocol/wire/index.ts';
import { topicIdOf } from './capture-handlers.ts';
import { QUERY_TIMESTAMP } from './drivers/kcat.ts';
import { CODEC_IDS, GOLDEN_TOPIC, goldenRecords, type CodecName, type SentRecord } from './golden-records.ts';
import { loadManifests, readFixture, type GoldenManifest, type ManifestEntry } from './manifest.ts';
import { decodeProducedBatches } from './produced-batches.ts';

/**
 * Golden bytes (issue #2, 7b and 7d): request frames real clients sent, captured by
 * scripts/capture-golden.ts into fixtures/<client>/. Every frame must decode completely and
 * re-encode to the very same bytes; the values in it must be what the client meant; and every
 * record batch a client produced, whatever its compression, must decode to the records sent.
 */

interface ClientExpectation {
  readonly clientId: string;
  /** "<ApiName> v<version>" that must be among the fixtures: what the client is known to send. */
  readonly sends: readonly string[];
  /** Whether every request uses a flexible version (KIP-482), or none does; absent when mixed. */
  readonly flexible?: boolean;
  readonly acks: number;
  /** The codecs of its produce steps, which must all be present. */
  readonly codecs: readonly CodecName[];
  /** ApiVersions v3+ client_software_name (KIP-511). */
  readonly softwareName?: string;
}

const EXPECTED: Readonly<Record<string, ClientExpectation>> = {
  kcat: {
    clientId: 'rdkafka',
    sends: ['ApiVersions v3', 'Metadata v4', 'Produce v7', 'ListOffsets v2', 'Fetch v11'],
    acks: -1,
    codecs: ['none', 'gzip', 'snappy', 'lz4', 'zstd'],
    softwareName: 'librdkafka',
  },
  kafkajs: {
    clientId: 'golden-kafkajs',
    sends: ['ApiVersions v2', 'Metadata v6', 'CreateTopics v3', 'Produce v7', 'FindCoordinator v2', 'JoinGroup v5', 'SyncGroup v3', 'OffsetFetch v4', 'ListOffsets v3', 'Fetch v11', 'OffsetCommit v5', 'LeaveGroup v3'],
    flexible: false,
    acks: -1,
    codecs: ['none', 'gzip'],
  },
  'kafka-python': {
    clientId: 'golden-kafka-python',
    // The bootstrap probe (ApiVersions v0 + Metadata v0), then its fixed versions.
    sends: ['ApiVersions v0', 'Metadata v0', 'Metadata v1', 'Produce v7', 'ListOffsets v1', 'Fetch v4'],
    flexible: false,
    acks: 1,
    codecs: ['gzip'],
  },
  platformatic: {
    clientId: 'golden-platformatic',
    sends: ['ApiVersions v3', 'CreateTopics v7', 'Metadata v12', 'Produce v11', 'FindCoordinator v5', 'JoinGroup v9', 'SyncGroup v5', 'ListOffsets v9', 'Fetch v16', 'LeaveGroup v5'],
    flexible: true,
    acks: 1,
    codecs: ['none', 'gzip'],
    softwareName: 'platformatic-kafka',
  },
  'confluent-kafka': {
    clientId: 'golden-confluent-kafka',
    sends: ['ApiVersions v3', 'Metadata v4', 'CreateTopics v4', 'DescribeConfigs v1', 'Produce v7'],
    acks: -1,
    codecs: ['lz4'],
    softwareName: 'confluent-kafka-python',
  },
};

interface Decoded {
  header: RequestHeader;
  body: unknown;
}

function decodeFixture(frame: Buffer): Decoded & { consumed: number } {
  const r = new Reader(frame);
  const header = decodeRequestHeaderFrom(r);
  const body = decodeRequestFrameBody(header.apiKey as ApiKeyNumber, header.apiVersion, r);
  return { header, body, consumed: r.pos };
}

/** Per-API checks of what the client meant, beyond "the bytes round-trip". */
function checkValues(manifest: GoldenManifest, entry: ManifestEntry, { header, body }: Decoded): void {
  const expected = EXPECTED[manifest.client]!;
  switch (header.apiKey) {
    case ApiKey.ApiVersions: {
      const b = body as RequestBodies[typeof ApiKey.ApiVersions];
      if (header.apiVersion >= 3) assert.equal(b.clientSoftwareName, expected.softwareName);
      break;
    }
    case ApiKey.Produce: {
      const b = body as RequestBodies[typeof ApiKey.Produce];
      assert.ok(entry.produced, 'a Produce fixture must come from a produce step');
      assert.equal(b.acks, expected.acks);
      assert.equal(b.transactionalId, null);
      assert.deepEqual(b.topicData.map((t) => t.name), [entry.produced.topic]);
      assert.deepEqual(b.topicData[0]!.partitionData.map((p) => p.index), [0]);
      break;
    }
    case ApiKey.Fetch: {
      const b = body as RequestBodies[typeof ApiKey.Fetch];
      const [topic] = b.topics;
      assert.equal(b.topics.length, 1);
      // v13+ names the topic by the id our Metadata gave out (KIP-516), earlier versions by name.
      if (header.apiVersion >= 13) assert.deepEqual([topic!.topic, topic!.topicId], ['', topicIdOf(GOLDEN_TOPIC)]);
      else assert.equal(topic!.topic, GOLDEN_TOPIC);
      assert.deepEqual(topic!.partitions.map((p) => [p.partition, p.fetchOffset]), [[0, 0n]]);
      break;
    }
    case ApiKey.ListOffsets: {
      const b = body as RequestBodies[typeof ApiKey.ListOffsets];
      const [partition] = b.topics[0]!.partitions;
      // kcat -Q asks for QUERY_TIMESTAMP; every consumer starting from the beginning asks for -2 (earliest).
      assert.equal(partition!.timestamp, entry.step === 'offsets-for-times' ? BigInt(QUERY_TIMESTAMP) : -2n);
      break;
    }
    case ApiKey.JoinGroup: {
      const b = body as RequestBodies[typeof ApiKey.JoinGroup];
      assert.equal(b.protocolType, 'consumer');
      assert.equal(b.memberId, '', 'the first join has no member id');
      break;
    }
    case ApiKey.CreateTopics: {
      const b = body as RequestBodies[typeof ApiKey.CreateTopics];
      assert.deepEqual(b.topics.map((t) => [t.name, t.numPartitions, t.replicationFactor]), [['golden-admin', 1, 1]]);
      break;
    }
    case ApiKey.Metadata: {
      const b = body as RequestBodies[typeof ApiKey.Metadata];
      // kafka-python's probe asks Metadata v0 for every topic, which v0 spells as an empty list.
      if (header.apiVersion === 0) assert.deepEqual(b.topics, []);
      break;
    }
  }
}

const manifests = loadManifests();

it('fixtures exist for every client the capture script drives', () => {
  assert.deepEqual(manifests.map((m) => m.client).sort(), Object.keys(EXPECTED).sort());
});

for (const manifest of manifests) {
  const expected = EXPECTED[manifest.client];
  describe(`golden requests from ${manifest.client} (${manifest.version})`, () => {
    it('include the APIs and versions the client is known to send', () => {
      assert.ok(expected, `no expectations for ${manifest.client}`);
      const present = new Set(manifest.fixtures.map((f) => `${f.apiName} v${f.apiVersion}`));
      for (const kind of expected.sends) assert.ok(present.has(kind), `missing ${kind}`);
    });

    for (const entry of manifest.fixtures) {
      it(`${entry.file} decodes completely and re-encodes byte for byte`, () => {
        const frame = readFixture(manifest.client, entry.file);
        const decoded = decodeFixture(frame);
        const { header } = decoded;
        assert.deepEqual([header.apiKey, header.apiVersion], [entry.apiKey, entry.apiVersion]);
        assert.equal(API_INFO[header.apiKey]?.name, entry.apiName);
        assert.equal(decoded.consumed, frame.length, 'the decoder must consume the whole frame');

        const encoded = Buffer.concat(
          encodeRequestFrame(header.apiKey as ApiKeyNumber, header.apiVersion, header.correlationId, header.clientId, decoded.body as never),
        );
        assert.equal(encoded.readInt32BE(0), frame.length, 'size prefix');
        assert.deepEqual(encoded.subarray(4), frame);

        assert.equal(header.clientId, expected!.clientId);
        if (expected!.flexible !== undefined) assert.equal(requestHeaderVersion(header.apiKey, header.apiVersion) === 2, expected!.flexible);
        checkValues(manifest, entry, decoded);
      });
    }

    // Item 7d: the batches each client built (per codec) decode to exactly the records it sent.
    const steps = new Map<string, ManifestEntry[]>();
    for (const entry of manifest.fixtures) {
      if (entry.produced !== undefined) steps.set(entry.step, [...(steps.get(entry.step) ?? []), entry]);
    }
    it(`produced with every codec its steps use: ${expected?.codecs.join(', ')}`, () => {
      const codecs = new Set([...steps.values()].map((entries) => entries[0]!.produced!.codec));
      assert.deepEqual([...codecs].sort(), [...expected!.codecs].sort());
    });
    for (const [step, entries] of steps) {
      const { codec } = entries[0]!.produced!;
      it(`${step}: record batches decode to the records sent, compressed with ${codec}`, () => {
        const records: SentRecord[] = [];
        for (const entry of entries) {
          const { body } = decodeFixture(readFixture(manifest.client, entry.file));
          for (const partition of (body as RequestBodies[typeof ApiKey.Produce]).topicData[0]!.partitionData) {
            assert.ok(partition.records !== null && partition.records.length > 0, 'Produce carries records');
            for (const batch of decodeProducedBatches(partition.records)) {
              assert.equal(batch.compression, CODEC_IDS[codec], `batch compression in ${entry.file}`);
              assert.equal(batch.isControl, false);
              assert.equal(batch.producerId, -1n, 'not an idempotent producer');
              records.push(...batch.records);
            }
          }
        }
        assert.deepEqual(records, goldenRecords(manifest.client, codec));
      });
    }
  });
}

/**
 * Captures golden request bytes from real Kafka clients (issue #2, items 7b/7d): starts the capture
 * server (test/golden/capture-server.ts), drives each client through a short session against it,
 * and writes what the client sent to test/golden/fixtures/<client>/:
 *
 *   <seq>-<ApiName>-v<version>.bin   one request frame, without its 4-byte size prefix
 *   manifest.json                    client and version, and per file: api key, version, step,
 *                                    and for Produce the topic and codec of the records sent
 *
 * To keep the fixtures small, each step keeps its first request of each (API, version) unless the
 * client already sent the same bytes (correlation id aside) earlier, plus every Produce request
 * (their record batches are what item 7d checks). test/golden/golden.test.ts
 * proves the codec against them. Run manually after a client upgrade, then review the diff:
 *
 *   node scripts/capture-golden.ts                 every client
 *   node scripts/capture-golden.ts kcat kafkajs    only these
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { API_INFO, ApiKey } from '../src/protocol/messages/index.ts';
import { startCaptureServer, type CapturedRequest } from '../test/golden/capture-server.ts';
import { confluentKafkaDriver } from '../test/golden/drivers/confluent-kafka.ts';
import type { CaptureStep, ClientDriver } from '../test/golden/drivers/driver.ts';
import { kafkaPythonDriver } from '../test/golden/drivers/kafka-python.ts';
import { kafkajsDriver } from '../test/golden/drivers/kafkajs.ts';
import { kcatDriver } from '../test/golden/drivers/kcat.ts';
import { platformaticDriver } from '../test/golden/drivers/platformatic.ts';
import type { GoldenManifest, ManifestEntry } from '../test/golden/manifest.ts';

const DRIVERS: readonly ClientDriver[] = [kcatDriver, kafkajsDriver, kafkaPythonDriver, platformaticDriver, confluentKafkaDriver];
const FIXTURES = new URL('../test/golden/fixtures/', import.meta.url);

/** The frame as text with its correlation id (bytes 4-7 of the header) blanked, to spot repeats. */
function withoutCorrelationId(frame: Buffer): string {
  const copy = Buffer.from(frame);
  copy.fill(0, 4, 8);
  return copy.toString('base64');
}

async function capture(driver: ClientDriver): Promise<GoldenManifest> {
  const server = await startCaptureServer();
  const kept: Array<{ request: CapturedRequest; step: CaptureStep }> = [];
  const seen = new Set<string>();
  try {
    let mark = 0;
    for (const step of driver.steps) {
      process.stdout.write(`${driver.client}: ${step.name} … `);
      await step.run(server.port);
      const sent = server.requests.slice(mark);
      mark = server.requests.length;
      console.log(`${sent.length} requests`);
      const stepKinds = new Set<string>();
      for (const request of sent) {
        const kind = `${request.apiKey}/${request.apiVersion}`;
        const content = withoutCorrelationId(request.frame);
        const isNew = request.apiKey === ApiKey.Produce || (!stepKinds.has(kind) && !seen.has(content));
        stepKinds.add(kind);
        seen.add(content);
        if (isNew) kept.push({ request, step });
      }
    }
  } finally {
    await server.close();
  }

  const dir = new URL(`${driver.client}/`, FIXTURES);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const fixtures = kept.map(({ request, step }, i): ManifestEntry => {
    const apiName = API_INFO[request.apiKey]?.name ?? `Api${request.apiKey}`;
    const file = `${String(i + 1).padStart(3, '0')}-${apiName}-v${request.apiVersion}.bin`;
    writeFileSync(new URL(file, dir), request.frame);
    return {
      file,
      apiKey: request.apiKey,
      apiName,
      apiVersion: request.apiVersion,
      step: step.name,
      ...(step.produced === undefined || request.apiKey !== ApiKey.Produce ? {} : { produced: step.produced }),
    };
  });
  const manifest: GoldenManifest = { client: driver.client, version: await driver.version(), fixtures };
  writeFileSync(new URL('manifest.json', dir), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !DRIVERS.some((d) => d.client === name));
if (unknown.length > 0) {
  console.error(`capture-golden: unknown client(s) ${unknown.join(', ')}; known: ${DRIVERS.map((d) => d.client).join(', ')}`);
  process.exit(2);
}
for (const driver of DRIVERS.filter((d) => wanted.length === 0 || wanted.includes(d.client))) {
  const manifest = await capture(driver);
  const kinds = manifest.fixtures.map((f) => `${f.apiName} v${f.apiVersion}`);
  console.log(`${driver.client} (${manifest.version}): ${manifest.fixtures.length} fixtures: ${[...new Set(kinds)].join(', ')}\n`);
}

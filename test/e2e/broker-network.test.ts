import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBroker, NO_RESPONSE, type RunningBroker } from '../../src/broker/index.ts';
import { ApiKey, ErrorCode, decodeResponseFrame } from '../../src/protocol/messages/index.ts';
import { ManualClock, MemoryLogger } from '../../src/util/index.ts';
import { handler as apiVersions } from '../../src/broker/handlers/18-api-versions.ts';
import type { AnyHandler, Handler } from '../../src/broker/handlers/handler.ts';
import { frameBytes, RawClient } from './broker-raw-client.ts';

/**
 * The network layer (server, connection, router) with stand-in handlers: ordering, back-pressure,
 * closing rules, KIP-511, interceptors and idle reaping. ListGroups v4 carries a tag in
 * `states_filter[0]` that the stand-in echoes back as the group id, so a test can tell responses apart
 * and hold any request until it chooses to release it.
 */

class Gates {
  readonly #waiting = new Map<string, () => void>();
  readonly #arrived = new Map<string, () => void>();
  readonly #arrivals = new Map<string, Promise<void>>();
  active = 0;
  maxActive = 0;
  calls = 0;

  /** Resolves when the request tagged `tag` has reached its handler. */
  arrived(tag: string): Promise<void> {
    let p = this.#arrivals.get(tag);
    if (p === undefined) {
      p = new Promise((resolve) => this.#arrived.set(tag, resolve));
      this.#arrivals.set(tag, p);
    }
    return p;
  }

  hold(tag: string): Promise<void> {
    this.calls++;
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    void this.arrived(tag);
    this.#arrived.get(tag)?.();
    return new Promise((resolve) =>
      this.#waiting.set(tag, () => {
        this.active--;
        resolve();
      }),
    );
  }

  release(tag: string): void {
    const r = this.#waiting.get(tag);
    assert.ok(r, `no request ${tag} is waiting`);
    this.#waiting.delete(tag);
    r();
  }
}

const gates = new Gates();

const listGroups: Handler<typeof ApiKey.ListGroups> = {
  apiKey: ApiKey.ListGroups,
  minVersion: 0,
  maxVersion: 5,
  async handle(_ctx, request) {
    const tag = request.statesFilter[0] ?? '';
    if (tag.startsWith('hold-')) await gates.hold(tag);
    if (tag === 'throw') throw new Error('stand-in handler failure');
    if (tag.startsWith('big-')) return { errorCode: 0, groups: Array.from({ length: 2000 }, (_, i) => ({ groupId: `${tag}-${i}-${'x'.repeat(200)}`, protocolType: 'consumer' })) };
    return { errorCode: 0, groups: [{ groupId: tag, protocolType: 'consumer' }] };
  },
  errorResponse: (_request, _version, errorCode) => ({ errorCode, groups: [] }),
};

/** No errorResponse: a failure must close the connection. */
const heartbeat: Handler<typeof ApiKey.Heartbeat> = {
  apiKey: ApiKey.Heartbeat,
  minVersion: 0,
  maxVersion: 4,
  handle() {
    throw new Error('stand-in heartbeat failure');
  },
};

/** Produce as Apache 4.0 serves it: advertised from v0, answered from v3; acks=0 gets no response. */
const produce: Handler<typeof ApiKey.Produce> = {
  apiKey: ApiKey.Produce,
  advertisedMinVersion: 0,
  minVersion: 3,
  maxVersion: 11,
  handle(_ctx, request) {
    if (request.acks === 0) return NO_RESPONSE;
    return { responses: [] };
  },
};

const HANDLERS = [listGroups, heartbeat, produce, apiVersions] as unknown as AnyHandler[];

function listGroupsFrame(tag: string, correlationId: number): Buffer {
  return frameBytes(ApiKey.ListGroups, 4, correlationId, { statesFilter: [tag] });
}

function groupOf(frame: Buffer): { correlationId: number; tag: string | undefined } {
  const { correlationId, body } = decodeResponseFrame(ApiKey.ListGroups, 4, frame);
  return { correlationId, tag: body.groups[0]?.groupId };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setTimeout(r, 2));
  assert.ok(condition(), `timed out waiting for ${what}`);
}

describe('broker network layer', () => {
  let broker: RunningBroker;
  const logger = new MemoryLogger();

  before(async () => {
    broker = await startBroker({
      handlers: HANDLERS,
      logger,
      properties: { 'socket.request.max.bytes': '4096', 'queued.max.requests': '3' },
      maxQueuedResponseBytes: 64 * 1024,
    });
  });
  after(() => broker.close());

  test('pipelined responses are written in request order even when handlers finish out of order', async () => {
    const c = await RawClient.connect(broker.port);
    c.sendRaw(Buffer.concat([listGroupsFrame('hold-a', 1), listGroupsFrame('b', 2), listGroupsFrame('hold-c', 3)]));
    await gates.arrived('hold-a');
    await gates.arrived('hold-c');
    gates.release('hold-c');
    // 'b' and 'c' are done, but nothing may be written before 'a'.
    await new Promise((r) => setImmediate(r));
    assert.equal(c.frames.length, 0);
    gates.release('hold-a');
    const frames = await c.waitFrames(3);
    assert.deepEqual(frames.map(groupOf), [
      { correlationId: 1, tag: 'hold-a' },
      { correlationId: 2, tag: 'b' },
      { correlationId: 3, tag: 'hold-c' },
    ]);
    c.close();
  });

  test('a request split across many TCP writes is reassembled', async () => {
    const c = await RawClient.connect(broker.port);
    const bytes = Buffer.concat([listGroupsFrame('split-1', 7), listGroupsFrame('split-2', 8)]);
    for (let i = 0; i < bytes.length; i++) {
      c.sendRaw(bytes.subarray(i, i + 1));
      if (i % 5 === 0) await new Promise((r) => setImmediate(r));
    }
    assert.deepEqual((await c.waitFrames(2)).map(groupOf), [
      { correlationId: 7, tag: 'split-1' },
      { correlationId: 8, tag: 'split-2' },
    ]);
    c.close();
  });

  test('acks=0 produce gets no response and does not disturb the order of the others', async () => {
    const c = await RawClient.connect(broker.port);
    c.send(ApiKey.Produce, 7, { acks: 0, timeoutMs: 1000, topicData: [] }, 10);
    c.send(ApiKey.ListGroups, 4, { statesFilter: ['after-acks0'] }, 11);
    c.send(ApiKey.Produce, 7, { acks: 1, timeoutMs: 1000, topicData: [] }, 12);
    const frames = await c.waitFrames(2);
    assert.deepEqual(groupOf(frames[0] as Buffer), { correlationId: 11, tag: 'after-acks0' });
    assert.equal(decodeResponseFrame(ApiKey.Produce, 7, frames[1] as Buffer).correlationId, 12);
    c.close();
  });

  test('reading pauses while queued.max.requests are in flight, and resumes when they finish', async () => {
    const c = await RawClient.connect(broker.port);
    const tags = ['hold-p1', 'hold-p2', 'hold-p3', 'hold-p4', 'hold-p5', 'hold-p6'];
    const before = gates.calls;
    gates.maxActive = gates.active;
    c.sendRaw(Buffer.concat(tags.map((t, i) => listGroupsFrame(t, 100 + i))));
    await Promise.all(tags.slice(0, 3).map((t) => gates.arrived(t)));
    await until(() => broker.network.connections().some((s) => s.paused), 'the connection to pause');
    assert.equal(gates.calls - before, 3, 'only queued.max.requests requests reach handlers');
    for (const t of tags.slice(0, 3)) gates.release(t);
    await Promise.all(tags.slice(3).map((t) => gates.arrived(t)));
    for (const t of tags.slice(3)) gates.release(t);
    const frames = await c.waitFrames(6);
    assert.deepEqual(frames.map((f) => groupOf(f).tag), tags);
    assert.ok(gates.maxActive <= 3, `at most 3 in flight, saw ${gates.maxActive}`);
    await until(() => broker.network.connections().every((s) => !s.paused), 'the connection to resume');
    c.close();
  });

  test('reading pauses while a slow reader leaves responses queued', async () => {
    const c = await RawClient.connect(broker.port);
    c.socket.pause();
    // ~460 KB per response: 40 of them (18 MB) overflow any loopback socket buffers the kernel
    // autotunes, so the broker must see its own queue grow past maxQueuedResponseBytes.
    const n = 40;
    c.sendRaw(Buffer.concat(Array.from({ length: n }, (_, i) => listGroupsFrame(`big-${i}`, 200 + i))));
    await until(() => broker.network.connections().some((s) => s.paused), 'the connection to pause on queued response bytes');
    c.socket.resume();
    const frames = await c.waitFrames(n);
    assert.deepEqual(
      frames.map((f) => decodeResponseFrame(ApiKey.ListGroups, 4, f).correlationId),
      Array.from({ length: n }, (_, i) => 200 + i),
    );
    c.close();
  });

  test('a size prefix above socket.request.max.bytes closes the connection before the body is read', async () => {
    const c = await RawClient.connect(broker.port);
    const header = Buffer.alloc(4);
    header.writeInt32BE(4097);
    c.sendRaw(header);
    await c.closed;
    assert.ok(logger.entries.some((e) => e.message.includes('socket.request.max.bytes') && e.fields['size'] === 4097));
  });

  test('an unknown ApiVersions version gets the KIP-511 reply: v0 body, error 35, only key 18', async () => {
    const c = await RawClient.connect(broker.port);
    c.send(ApiKey.ApiVersions, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }, 5);
    const [ok] = await c.waitFrames(1);
    assert.equal(decodeResponseFrame(ApiKey.ApiVersions, 3, ok as Buffer).body.errorCode, 0);
    // Rewrite the version field of a v3 frame to 99 (offset 4 = after the size, 2 = after api key).
    const frame = frameBytes(ApiKey.ApiVersions, 3, 6, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
    frame.writeInt16BE(99, 6);
    c.sendRaw(frame);
    const frames = await c.waitFrames(2);
    const reply = decodeResponseFrame(ApiKey.ApiVersions, 0, frames[1] as Buffer);
    assert.equal(reply.correlationId, 6);
    assert.equal(reply.body.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    assert.deepEqual(reply.body.apiKeys.map((k) => [k.apiKey, k.minVersion, k.maxVersion]), [[18, 0, 4]]);
    assert.ok(!c.socket.destroyed);
    c.close();
  });

  test('ApiVersions advertises each registered handler, Produce from v0', async () => {
    const c = await RawClient.connect(broker.port);
    const body = await c.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'gregor-test', clientSoftwareVersion: '0.1' });
    assert.deepEqual(body.apiKeys.map((k) => [k.apiKey, k.minVersion, k.maxVersion]), [
      [0, 0, 11],
      [12, 0, 4],
      [16, 0, 5],
      [18, 0, 4],
    ]);
    c.close();
  });

  test('bad input closes only the offending connection; another keeps working', async () => {
    const bystander = await RawClient.connect(broker.port);
    const cases: Array<[string, Buffer]> = [];
    // Unknown API key and unsupported version of a known one.
    const unknownKey = listGroupsFrame('x', 1);
    unknownKey.writeInt16BE(999, 4);
    cases.push(['unknown api key', unknownKey]);
    const badVersion = listGroupsFrame('x', 1);
    badVersion.writeInt16BE(77, 6);
    cases.push(['unsupported version', badVersion]);
    cases.push(['produce v2, advertised but not served', frameBytes(ApiKey.Produce, 2, 1, { acks: 1, timeoutMs: 1, topicData: [] })]);
    // A body cut short, with the size prefix matching what is sent.
    const whole = listGroupsFrame('truncated-body', 1);
    const truncated = whole.subarray(0, whole.length - 6);
    truncated.writeInt32BE(truncated.length - 4, 0);
    cases.push(['truncated body', Buffer.from(truncated)]);
    cases.push(['header shorter than 8 bytes', Buffer.from([0, 0, 0, 3, 0, 18, 0])]);
    const negative = Buffer.alloc(8);
    negative.writeInt32BE(-5, 0);
    cases.push(['negative size', negative]);
    // Random bytes after a plausible size prefix (seeded, so the case is the same on every run).
    let seed = 0x9e3779b9;
    const random = (): number => ((seed = (seed * 1664525 + 1013904223) >>> 0) & 0xff);
    for (let k = 0; k < 5; k++) {
      const body = Buffer.from(Array.from({ length: 40 }, random));
      body.writeInt16BE(200 + k, 0); // an API key no broker has
      const size = Buffer.alloc(4);
      size.writeInt32BE(body.length);
      cases.push([`random bytes ${k}`, Buffer.concat([size, body])]);
    }
    const clients = await Promise.all(cases.map(() => RawClient.connect(broker.port)));
    clients.forEach((c, i) => c.sendRaw((cases[i] as [string, Buffer])[1]));
    await Promise.all(clients.map((c) => c.closed));
    clients.forEach((c, i) => assert.equal(c.frames.length, 0, `no response for ${(cases[i] as [string, Buffer])[0]}`));
    const body = await bystander.request(ApiKey.ListGroups, 4, { statesFilter: ['still-here'] });
    assert.equal(body.groups[0]?.groupId, 'still-here');
    bystander.close();
  });

  test('a throwing handler is answered with UNKNOWN_SERVER_ERROR when its API has an error response', async () => {
    const c = await RawClient.connect(broker.port);
    const body = await c.request(ApiKey.ListGroups, 4, { statesFilter: ['throw'] });
    assert.equal(body.errorCode, ErrorCode.UNKNOWN_SERVER_ERROR);
    assert.ok(logger.entries.some((e) => e.level === 'error' && e.message.includes('handler failed')));
    c.close();
  });

  test('a throwing handler without an error response closes the connection', async () => {
    const c = await RawClient.connect(broker.port);
    c.send(ApiKey.Heartbeat, 3, { groupId: 'g', generationId: 1, memberId: 'm' });
    await c.closed;
    assert.equal(c.frames.length, 0);
  });

  test('interceptors can answer, fail, drop, delay or close any API key', async () => {
    const c = await RawClient.connect(broker.port);
    const remove = broker.intercept(
      async ({ request }) => {
        const tag = (request as { statesFilter: string[] }).statesFilter[0];
        if (tag === 'respond') return { action: 'respond', response: { errorCode: 0, groups: [{ groupId: 'from-interceptor', protocolType: '' }] } };
        if (tag === 'error') return { action: 'error', errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
        if (tag === 'drop') return { action: 'drop' };
        if (tag === 'delay') await new Promise((r) => setImmediate(r));
        return undefined;
      },
      { apiKey: ApiKey.ListGroups },
    );
    assert.equal((await c.request(ApiKey.ListGroups, 4, { statesFilter: ['respond'] })).groups[0]?.groupId, 'from-interceptor');
    assert.equal((await c.request(ApiKey.ListGroups, 4, { statesFilter: ['error'] })).errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    c.send(ApiKey.ListGroups, 4, { statesFilter: ['drop'] });
    assert.equal((await c.request(ApiKey.ListGroups, 4, { statesFilter: ['delay'] })).groups[0]?.groupId, 'delay');
    remove();
    assert.equal((await c.request(ApiKey.ListGroups, 4, { statesFilter: ['respond'] })).groups[0]?.groupId, 'respond');
    broker.intercept(() => ({ action: 'close' }), { times: 1 });
    c.send(ApiKey.ListGroups, 4, { statesFilter: ['closed'] });
    await c.closed;
    const d = await RawClient.connect(broker.port);
    assert.equal((await d.request(ApiKey.ListGroups, 4, { statesFilter: ['once'] })).groups[0]?.groupId, 'once');
    d.close();
  });
});

test('connections idle longer than connections.max.idle.ms are closed by the sweep', async () => {
  const clock = new ManualClock(1_000_000);
  const broker = await startBroker({ handlers: HANDLERS, clock, scheduler: clock, properties: { 'connections.max.idle.ms': '10000' } });
  try {
    const idle = await RawClient.connect(broker.port);
    const busy = await RawClient.connect(broker.port);
    await idle.request(ApiKey.ListGroups, 4, { statesFilter: ['a'] });
    clock.advance(6_000);
    await busy.request(ApiKey.ListGroups, 4, { statesFilter: ['b'] });
    clock.advance(6_000); // the sweep runs every 1 s of clock time: idle is now 12 s idle, busy 6 s
    await idle.closed;
    assert.equal(busy.socket.destroyed, false);
    assert.equal((await busy.request(ApiKey.ListGroups, 4, { statesFilter: ['c'] })).groups[0]?.groupId, 'c');
    busy.close();
  } finally {
    await broker.close();
  }
});

test('shutdown stops accepting, answers requests already received, then closes', async () => {
  const broker = await startBroker({ handlers: HANDLERS });
  const c = await RawClient.connect(broker.port);
  c.sendRaw(Buffer.concat([listGroupsFrame('hold-shutdown', 1), listGroupsFrame('queued-behind', 2)]));
  await gates.arrived('hold-shutdown');
  const closing = broker.close();
  await assert.rejects(RawClient.connect(broker.port), 'no new connections during shutdown');
  gates.release('hold-shutdown');
  await closing;
  await c.closed;
  assert.deepEqual(c.frames.map((f) => groupOf(f).tag), ['hold-shutdown', 'queued-behind']);
});

test('connections beyond max.connections are refused', async () => {
  const broker = await startBroker({ handlers: HANDLERS, properties: { 'max.connections': '1' } });
  try {
    const first = await RawClient.connect(broker.port);
    await first.request(ApiKey.ListGroups, 4, { statesFilter: ['first'] });
    const second = await RawClient.connect(broker.port);
    await second.closed;
    assert.equal((await first.request(ApiKey.ListGroups, 4, { statesFilter: ['still'] })).groups[0]?.groupId, 'still');
    first.close();
  } finally {
    await broker.close();
  }
});

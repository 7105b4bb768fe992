import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApiKey } from '../../src/protocol/messages/index.ts';
import { RawClient } from './broker-raw-client.ts';

/** `gregor server` as a process: properties file + overrides, the startup line, clean SIGTERM. */
const GREGOR = new URL('../../bin/gregor.js', import.meta.url).pathname;

test('gregor server starts from a properties file, serves, and stops cleanly on SIGTERM', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-cli-'));
  try {
    const props = join(dir, 'server.properties');
    await writeFile(props, `# test\nnode.id=1\nlisteners=PLAINTEXT://127.0.0.1:9\nlog.dirs=${join(dir, 'data')}\nnum.partitions=2\n`);
    const child = spawn(process.execPath, [GREGOR, 'server', props, '--override', 'listeners=PLAINTEXT://127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (text: string) => {
        stdout += text;
        const m = /listening on PLAINTEXT:\/\/127\.0\.0\.1:(\d+) .* in (\d+) ms since process start/.exec(stdout);
        if (m !== null) resolve(Number(m[1]));
      });
      void exited.then((code) => reject(new Error(`exited with ${code} before listening: ${stdout}`)));
    });
    const c = await RawClient.connect(port);
    const md = await c.request(ApiKey.Metadata, 4, { topics: [{ name: 'from-cli' }], allowAutoTopicCreation: true });
    assert.equal(md.topics[0]?.partitions.length, 2, 'num.partitions from the file applies');
    c.close();
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(stdout, /SIGTERM received, shutting down\ngregor: broker stopped\n/);
    await access(join(dir, 'data', '.kafka_cleanshutdown'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('gregor server refuses an invalid properties file with the file and line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-cli-'));
  try {
    const props = join(dir, 'server.properties');
    await writeFile(props, 'num.partitions=1\nlog.retention.hours=soon\n');
    const child = spawn(process.execPath, [GREGOR, 'server', props], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 2);
    assert.match(stderr, /log\.retention\.hours: expected an integer, got 'soon' \(from .*server\.properties:2\)/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

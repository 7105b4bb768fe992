import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CommandIo } from './command.ts';
import { main } from './main.ts';

const BIN = fileURLToPath(new URL('../../bin/gregor.js', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs bin/gregor.js the way a user's shell would, so the launcher is covered too. */
function gregor(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Calls main() in-process and captures what it writes. */
async function inProcess(...argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CommandIo = { out: (t) => { stdout += t; }, err: (t) => { stderr += t; } };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

test('gregor --help lists the commands and exits 0', async () => {
  const run = await gregor('--help');
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^Usage: gregor <command>/);
  assert.match(run.stdout, /^ {2}server\b/m);
  assert.match(run.stdout, /^ {2}version\b/m);
});

test('an unknown command is a usage error (exit 2) that names the command', async () => {
  const run = await gregor('frobnicate');
  assert.equal(run.code, 2);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, /unknown command 'frobnicate'/);
  assert.match(run.stderr, /gregor --help/);
});

test('gregor <cmd> --help shows that command\'s usage', async () => {
  const run = await inProcess('server', '--help');
  assert.equal(run.code, 0);
  assert.match(run.stdout, /^Usage: gregor server/);
  assert.deepEqual(await inProcess('help', 'server'), run);
});

test('an unknown flag is a usage error', async () => {
  const run = await inProcess('version', '--bogus');
  assert.equal(run.code, 2);
  assert.match(run.stderr, /--bogus/);
});

test('no arguments prints help to stderr and exits 2', async () => {
  const run = await inProcess();
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^Usage: gregor/);
});

test('gregor version prints the package version', async () => {
  const run = await inProcess('version');
  assert.equal(run.code, 0);
  assert.match(run.stdout, /^gregor \d+\.\d+\.\d+\S* \(node v\d+/);
  assert.deepEqual(await inProcess('--version'), run);
});

test('gregor server refuses an unknown property before starting anything', async () => {
  const run = await inProcess('server', '--override', 'log.retention.forever=true');
  assert.equal(run.code, 2);
  assert.match(run.stderr, /unknown broker property 'log\.retention\.forever'/);
  assert.match(run.stderr, /--override/);
});

/**
 * `npm test`: installs the third-party peers the compat tests need, then runs every test file with
 * Node's built-in runner and exits with its code.
 *
 *   npm test                          every *.test.ts under src/, codegen/ and test/
 *   npm test -- src/cli               only files under the given paths (or globs / files)
 *   npm test -- --test-name-pattern=x extra flags go to `node --test` as they are
 *
 * GREGOR_SKIP_PEERS=1 skips the peer step outside CI, for a quick edit-test loop.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { constants } from 'node:os';
import { installPeers, isCi } from './install-peers.ts';

const DEFAULT_PATTERNS = ['src/**/*.test.ts', 'codegen/**/*.test.ts', 'test/**/*.test.ts'];

/** A directory argument means "the tests under it"; anything else is passed to the runner as given. */
function toPattern(arg: string): string {
  try {
    if (statSync(arg).isDirectory()) return `${arg.replace(/\/+$/, '')}/**/*.test.ts`;
  } catch {
    // Not a path on disk: a glob, which node --test expands itself.
  }
  return arg;
}

const ci = isCi();
if (ci || process.env['GREGOR_SKIP_PEERS'] !== '1') {
  try {
    installPeers({ ci });
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
} else {
  console.warn('test: GREGOR_SKIP_PEERS=1, not checking third-party peers');
}

const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('-'));
const paths = args.filter((a) => !a.startsWith('-')).map(toPattern);

const runnerArgs = [
  '--test',
  // spec prints the closing summary (ℹ tests / ℹ pass / ℹ fail) even when stdout is not a terminal.
  '--test-reporter=spec',
  // The machines have 2 cores; two test files at a time keeps both busy without starving
  // tests that start servers and wait on timers.
  '--test-concurrency=2',
  // A hung test fails after 5 minutes instead of eating CI's 90.
  '--test-timeout=300000',
  ...flags,
  ...(paths.length > 0 ? paths : DEFAULT_PATTERNS),
];

console.log(`test: node ${runnerArgs.join(' ')}`);
const child = spawn(process.execPath, runnerArgs, { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  // A runner killed by a signal exits like a shell reports it: 128 + the signal's number.
  process.exit(code ?? (signal === null ? 1 : 128 + constants.signals[signal]));
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from './run-command.ts';
import { GO } from '../../scripts/peers/go.ts';

/**
 * franz-go's own integration tests (package kgo) run against a Gregor broker. The module is fetched
 * at run time through the Go module proxy into a throw-away module: no third-party code is kept in
 * this repository. The kgo tests read KGO_SEEDS for the brokers and KGO_TEST_RF for the replication
 * factor of the topics they create (helpers_test.go); Gregor is a single node, so RF is 1.
 */

const PACKAGE = 'github.com/twmb/franz-go/pkg/kgo';
const HANG_BOUND_S = 60;
const ALLOWLIST = new URL('./franz-go-allowlist.json', import.meta.url);

export type TestStatus = 'pass' | 'fail' | 'skip';

export interface GoTestResult {
  readonly name: string;
  readonly status: TestStatus;
  readonly seconds: number;
  /** The last lines the test printed, kept for failures only. */
  readonly tail?: string;
  /** For a skipped test, the message its t.Skip printed (without the file:line prefix). */
  readonly skipReason?: string;
}

export interface FranzGoRun {
  readonly version: string;
  readonly results: readonly GoTestResult[];
  /** Failures not in the allow-list: any of these fails the run. */
  readonly unexpected: readonly GoTestResult[];
  /** Failures the allow-list expects, with its reason. */
  readonly allowed: readonly (GoTestResult & { readonly reason: string })[];
  /** Allow-listed tests that passed: the allow-list can shrink. */
  readonly fixed: readonly string[];
  readonly timedOut: boolean;
  readonly ms: number;
}

/** Test name (top-level, as `go test -run` names it) → why it is expected to fail against Gregor. */
export interface AllowlistEntry {
  readonly reason: string;
  /** The test never finishes against Gregor (it retries forever): run it apart, bounded by HANG_BOUND_S. */
  readonly hangs?: boolean;
}

export function readAllowlist(): Record<string, AllowlistEntry> {
  const raw = JSON.parse(readFileSync(ALLOWLIST, 'utf8')) as { tests: Record<string, AllowlistEntry> };
  return raw.tests;
}

interface GoTestEvent {
  readonly Action: string;
  readonly Test?: string;
  readonly Output?: string;
  readonly Elapsed?: number;
}

/**
 * Folds `go test -json` lines into one result per test (subtests are kept as `Parent/Child`), line
 * by line: a failing test can print a million lines, so only the last few of each test are kept.
 */
export class GoTestJsonParser {
  readonly #output = new Map<string, string[]>();
  readonly #results = new Map<string, GoTestResult>();

  push(line: string): void {
    if (!line.startsWith('{')) return;
    let event: GoTestEvent;
    try {
      event = JSON.parse(line) as GoTestEvent;
    } catch {
      return;
    }
    const name = event.Test;
    if (name === undefined) return;
    if (event.Action === 'output' && event.Output !== undefined) {
      const kept = this.#output.get(name) ?? [];
      kept.push(event.Output);
      if (kept.length > 40) kept.shift();
      this.#output.set(name, kept);
    } else if (event.Action === 'pass' || event.Action === 'fail' || event.Action === 'skip') {
      const out = this.#output.get(name) ?? [];
      const tail = event.Action === 'fail' ? out.join('').trimEnd() : undefined;
      const skipReason = event.Action === 'skip' ? skipReasonOf(out) : undefined;
      this.#results.set(name, { name, status: event.Action, seconds: event.Elapsed ?? 0, ...(tail === undefined ? {} : { tail }), ...(skipReason === undefined ? {} : { skipReason }) });
    } else if (event.Action === 'run') {
      this.#output.set(name, []);
    }
  }

  /** Every test seen; one that started but never ended was cut off by the timeout and counts as failed. */
  results(): GoTestResult[] {
    const all = new Map(this.#results);
    for (const [name, out] of this.#output) {
      if (!all.has(name)) all.set(name, { name, status: 'fail', seconds: 0, tail: `${out.join('').trimEnd()}\n(no result: cut off)` });
    }
    return [...all.values()];
  }
}

/** Runs kgo's tests against `seeds` (host:port), bounded by `timeoutMs` in all. */
export async function runFranzGo(seeds: string, options: { readonly timeoutMs: number; readonly version?: string; readonly log?: (s: string) => void }): Promise<FranzGoRun> {
  const log = options.log ?? ((s: string) => console.log(s));
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'gregor-franz-go-'));
  try {
    writeFileSync(join(dir, 'go.mod'), 'module gregor.compat/franzgo\n\ngo 1.24\n');
    const env = { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' };
    const want = `${PACKAGE}@${options.version ?? 'latest'}`;
    log(`franz-go: go get ${want}`);
    const get = await runCommand(GO, ['get', want], { cwd: dir, env, timeoutMs: 300_000 });
    if (get.code !== 0) throw new Error(`go get ${want} failed (${get.code}):\n${get.stderr}`);
    const list = await runCommand(GO, ['list', '-m', '-f', '{{.Version}}', 'github.com/twmb/franz-go'], { cwd: dir, env, timeoutMs: 60_000 });
    const version = list.stdout.trim();
    // go test's own -timeout panics the binary and names the hung test; the outer bound is a backstop.
    const budgetS = Math.max(60, Math.floor((options.timeoutMs - (Date.now() - started)) / 1000) - 30 - HANG_BOUND_S);
    log(`franz-go: go test ${PACKAGE} (${version}) against ${seeds}, -timeout ${budgetS}s`);
    const allow = readAllowlist();
    // Tests the allow-list marks as hanging (they retry forever) run on their own with a short bound,
    // so that they cannot eat the budget of the rest.
    const hanging = Object.entries(allow).filter(([, entry]) => entry.hangs === true).map(([name]) => name);
    const skip = hanging.length === 0 ? [] : [`-skip=^(${hanging.join('|')})$`];
    const parser = new GoTestJsonParser();
    const goTest = async (args: readonly string[], seconds: number): Promise<boolean> => {
      let events = 0;
      const r = await runCommand(GO, ['test', '-json', '-count=1', `-timeout=${seconds}s`, ...args, PACKAGE], {
        cwd: dir,
        env: { ...env, KGO_SEEDS: seeds, KGO_TEST_RF: '1' },
        timeoutMs: (seconds + 30) * 1000,
        onLine: (line) => {
          if (line.startsWith('{')) events += 1;
          parser.push(line);
          if (line.includes('"Action":"fail"') && line.includes('"Test"')) log(`franz-go: FAIL ${(JSON.parse(line) as GoTestEvent).Test ?? ''}`);
        },
      });
      if (r.code !== 0 && events === 0) log(`franz-go: go test printed no events:\n${r.stderr.slice(-2000)}`);
      return r.timedOut;
    };
    let timedOut = await goTest(skip, budgetS);
    if (hanging.length > 0) {
      log(`franz-go: go test -run ${hanging.join(',')} (allow-listed as hanging), -timeout ${HANG_BOUND_S}s`);
      timedOut = (await goTest([`-run=^(${hanging.join('|')})$`], HANG_BOUND_S)) || timedOut;
    }
    const results = parser.results().filter((r) => !r.name.includes('/'));
    const failed = results.filter((r) => r.status === 'fail');
    const unexpected = failed.filter((r) => allow[r.name] === undefined);
    const allowed = failed.flatMap((r) => (allow[r.name] === undefined ? [] : [{ ...r, reason: allow[r.name]?.reason ?? '' }]));
    const fixed = results.filter((r) => r.status === 'pass' && allow[r.name] !== undefined).map((r) => r.name);
    if (results.length === 0) unexpected.push({ name: '(go test)', status: 'fail', seconds: 0, tail: 'go test reported no test' });
    return { version, results, unexpected, allowed, fixed, timedOut, ms: Date.now() - started };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The t.Skip message among a skipped test's output lines: `    file_test.go:294: why` → `why`. The
 * last line logged from a _test.go file other than kgo's helpers_test.go: deferred topic cleanup logs
 * after the skip, from helpers_test.go or, while t.Skip unwinds the test, attributed to panic.go.
 */
function skipReasonOf(output: readonly string[]): string | undefined {
  for (let i = output.length - 1; i >= 0; i--) {
    const m = /^\s+(\S+_test\.go):\d+: (.+)$/.exec((output[i] ?? '').trimEnd());
    if (m?.[2] !== undefined && m[1] !== 'helpers_test.go') return m[2].trim();
  }
  return undefined;
}

/** Skipped tests grouped by the reason kgo gave, for the compat report. */
export function skipsByReason(results: readonly GoTestResult[]): Map<string, string[]> {
  const byReason = new Map<string, string[]>();
  for (const r of results) {
    if (r.status !== 'skip') continue;
    const reason = r.skipReason ?? 'no reason printed';
    byReason.set(reason, [...(byReason.get(reason) ?? []), r.name]);
  }
  return byReason;
}

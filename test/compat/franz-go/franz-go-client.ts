import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PEERS_DIR } from '../../../scripts/peers/apache-kafka.ts';
import { buildIntoPlace } from '../../../scripts/peers/build-into-place.ts';
import { GO } from '../../../scripts/peers/go.ts';
import { runJson } from '../helpers/run-process.ts';

/**
 * client/main.go — franz-go's kgo and kadm at the versions client/go.mod pins — built once per
 * source into `.peers/franz-go-client-<hash>/`, with modules from the Go module proxy.
 */
const SOURCE_DIR = fileURLToPath(new URL('client/', import.meta.url));
const SOURCES = ['main.go', 'go.mod', 'go.sum'];

/** The franz-go version the client is built with, from client/go.mod. */
export const FRANZ_GO_VERSION = /github\.com\/twmb\/franz-go (v\S+)/.exec(readFileSync(join(SOURCE_DIR, 'go.mod'), 'utf8'))?.[1] ?? 'unknown';

function buildClient(): string {
  const hash = createHash('sha256');
  for (const f of SOURCES) hash.update(f).update(readFileSync(join(SOURCE_DIR, f)));
  const home = join(PEERS_DIR, `franz-go-client-${hash.digest('hex').slice(0, 16)}`);
  return buildIntoPlace(home, 'franz-go-client', (staging) => {
    const r = spawnSync(GO, ['build', '-o', join(staging, 'franz-go-client'), '.'], {
      cwd: SOURCE_DIR,
      encoding: 'utf8',
      timeout: 300_000,
      env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly' },
    });
    if (r.status !== 0) throw new Error(`go build of ${SOURCE_DIR} failed:\n${r.stdout}${r.stderr}${r.error === undefined ? '' : String(r.error)}`);
  });
}

let built: string | undefined;

/** Runs one step of the franz-go client (see client/main.go) and returns its JSON answer. */
export function runFranzGoClient<T>(input: Record<string, unknown>, timeoutMs = 90_000): Promise<T> {
  built ??= buildClient();
  return runJson<T>(built, [], input, timeoutMs);
}

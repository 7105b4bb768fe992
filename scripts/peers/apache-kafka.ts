/**
 * Installs Apache Kafka (broker, CLI tools and the Java client) as a test and benchmark peer: its jars
 * are resolved from Maven Central by Maven into `.peers/kafka-<version>/lib/`, never committed.
 *
 * Why Maven and not the release tarball: Maven Central is the one place this project's machines can
 * fetch Kafka from, and it holds every jar a release's `libs/` folder has. The pom below lists the
 * modules whose main classes we run (kafka.Kafka, kafka.tools.StorageTool, org.apache.kafka.tools.*);
 * their transitive runtime dependencies are the rest of a KRaft broker.
 *
 * Idempotent and safe to run from two test files at once: it builds into a private temporary folder
 * and renames it into place, with a marker file written last; a complete install is never touched.
 *
 * Run alone: `node scripts/peers/apache-kafka.ts` prints the version, the folder and the time taken.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Kafka 4.3.0: the newest release whose modules all resolve from Maven Central here (4.4.0's
 * kafka-tools and kafka-tools-api were not published when this was written). KRaft only; the broker
 * needs Java 17, which the machines have.
 */
export const KAFKA_VERSION = '4.3.0';
const SCALA_VERSION = '2.13';
/** The log4j 2 that kafka-server 4.3.0 depends on; its SLF4J 1.x binding is added so SLF4J logs go to log4j. */
const LOG4J_VERSION = '2.25.4';

const DEPENDENCY_PLUGIN_VERSION = '3.8.1';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PEERS_DIR = join(REPO_ROOT, '.peers');

export interface KafkaInstall {
  readonly version: string;
  /** `.peers/kafka-<version>`. */
  readonly home: string;
  /** The jars: a JVM classpath of `${lib}/*`. */
  readonly lib: string;
  /** log4j 2 configuration for the broker (INFO to its stdout file). */
  readonly brokerLog4j: string;
  /** log4j 2 configuration for CLI tools and the Java client (WARN and above to stderr, as Kafka's tools-log4j2). */
  readonly toolsLog4j: string;
}

export interface InstallResult extends KafkaInstall {
  /** False when a complete install was already there. */
  readonly installed: boolean;
  readonly seconds: number;
  readonly bytes: number;
}

const dep = (artifactId: string, version = '${kafka.version}', groupId = 'org.apache.kafka', extra = ''): string =>
  `    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version>${extra}</dependency>`;

function pom(version: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by scripts/peers/apache-kafka.ts: only used to resolve Apache Kafka's jars into lib/. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>gregor.peers</groupId>
  <artifactId>apache-kafka</artifactId>
  <version>${version}</version>
  <packaging>pom</packaging>
  <properties><kafka.version>${version}</kafka.version></properties>
  <dependencies>
${[
  dep(`kafka_${SCALA_VERSION}`),
  // kafka-tools drags in Kafka Connect's runtime (Jetty, Jersey) for one tool, connect-plugin-path,
  // which we never run: excluding it halves the download.
  dep('kafka-tools', undefined, undefined,
    '<exclusions><exclusion><groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId></exclusion></exclusions>'),
  dep('kafka-clients'),
  dep('kafka-server'),
  dep('kafka-storage'),
  dep('log4j-slf4j-impl', LOG4J_VERSION, 'org.apache.logging.log4j'),
].join('\n')}
  </dependencies>
</project>
`;
}

const BROKER_LOG4J = `# Written by scripts/peers/apache-kafka.ts. The broker's stdout goes to a file in its temp folder.
rootLogger.level=INFO
rootLogger.appenderRef.stdout.ref=STDOUT
appender.stdout.type=Console
appender.stdout.name=STDOUT
appender.stdout.layout.type=PatternLayout
appender.stdout.layout.pattern=[%d] %p %m (%c)%n
# Request logs and the state-change log are per-request noise at INFO.
logger.request.name=kafka.request.logger
logger.request.level=WARN
logger.state.name=state.change.logger
logger.state.level=WARN
`;

const TOOLS_LOG4J = `# Written by scripts/peers/apache-kafka.ts: tools print results on stdout, so logs go to stderr.
rootLogger.level=WARN
rootLogger.appenderRef.stderr.ref=STDERR
appender.stderr.type=Console
appender.stderr.name=STDERR
appender.stderr.target=SYSTEM_ERR
appender.stderr.layout.type=PatternLayout
appender.stderr.layout.pattern=[%d] %p %m (%c)%n
`;

/** What a complete install's marker holds: a change to the pom or the log configs reinstalls. */
function fingerprint(version: string): string {
  return createHash('sha256').update(DEPENDENCY_PLUGIN_VERSION).update(pom(version)).update(BROKER_LOG4J).update(TOOLS_LOG4J).digest('hex');
}

export function kafkaInstall(version = KAFKA_VERSION): KafkaInstall {
  const home = join(PEERS_DIR, `kafka-${version}`);
  return {
    version,
    home,
    lib: join(home, 'lib'),
    brokerLog4j: join(home, 'log4j2-broker.properties'),
    toolsLog4j: join(home, 'log4j2-tools.properties'),
  };
}

const MARKER = '.complete';

export function isKafkaInstalled(version = KAFKA_VERSION): boolean {
  const marker = join(kafkaInstall(version).home, MARKER);
  return existsSync(marker) && readFileSync(marker, 'utf8').trim() === fingerprint(version);
}

function has(cmd: string): boolean {
  return spawnSync(cmd, ['-version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Java 17 and Maven come with the machines, but the project must not rely on that: as root on Debian
 * it installs them the way install-peers.ts installs its Debian peers.
 */
function ensureJavaAndMaven(): void {
  if (has('java') && has('javac') && has('mvn')) return;
  if (process.getuid?.() !== 0) throw new Error('apache-kafka: java, javac and mvn are needed (apt-get install openjdk-17-jdk-headless maven)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update'], { stdio: ['ignore', 'inherit', 'inherit'], env });
  const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'openjdk-17-jdk-headless', 'maven'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env,
  });
  if (r.status !== 0 || !has('mvn') || !has('javac')) throw new Error('apache-kafka: could not install openjdk-17-jdk-headless and maven');
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** Installs Kafka's jars unless a complete install of this version is already there. */
export function installApacheKafka(options: { readonly version?: string; readonly log?: (line: string) => void } = {}): InstallResult {
  const version = options.version ?? KAFKA_VERSION;
  const target = kafkaInstall(version);
  const started = performance.now();
  const done = (installed: boolean): InstallResult => ({
    ...target,
    installed,
    seconds: (performance.now() - started) / 1000,
    bytes: folderBytes(target.lib),
  });
  if (isKafkaInstalled(version)) return done(false);

  ensureJavaAndMaven();
  mkdirSync(PEERS_DIR, { recursive: true });
  const staging = `${target.home}.tmp-${process.pid}-${Date.now()}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    writeFileSync(join(staging, 'pom.xml'), pom(version));
    writeFileSync(join(staging, 'log4j2-broker.properties'), BROKER_LOG4J);
    writeFileSync(join(staging, 'log4j2-tools.properties'), TOOLS_LOG4J);
    options.log?.(`apache-kafka: resolving Kafka ${version} from Maven Central into ${target.home}`);
    // The plugin version is pinned: Maven 3.8's default (2.8) is from 2014 and the newest would change under us.
    const goal = `org.apache.maven.plugins:maven-dependency-plugin:${DEPENDENCY_PLUGIN_VERSION}:copy-dependencies`;
    const r = spawnSync('mvn', ['-B', '-q', goal, '-DoutputDirectory=lib', '-DincludeScope=runtime'], {
      cwd: staging,
      encoding: 'utf8',
      timeout: 15 * 60_000,
    });
    if (r.status !== 0) {
      const why = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-15).join('\n') || String(r.error);
      throw new Error(`apache-kafka: mvn dependency:copy-dependencies failed for Kafka ${version}:\n${why}`);
    }
    if (!existsSync(join(staging, 'lib', `kafka_${SCALA_VERSION}-${version}.jar`))) {
      throw new Error(`apache-kafka: Maven finished but lib/ has no kafka_${SCALA_VERSION}-${version}.jar`);
    }
    writeFileSync(join(staging, MARKER), `${fingerprint(version)}\n`);
    // Another process may have finished first, or an outdated install may be in the way.
    if (existsSync(target.home) && !isKafkaInstalled(version)) rmSync(target.home, { recursive: true, force: true });
    try {
      renameSync(staging, target.home);
    } catch (error) {
      if (!isKafkaInstalled(version)) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return done(true);
}

if (import.meta.main) {
  try {
    const r = installApacheKafka({ log: console.log });
    const mib = (r.bytes / 2 ** 20).toFixed(1);
    console.log(`apache-kafka ${r.version}: ${r.installed ? 'installed' : 'already installed'} in ${r.seconds.toFixed(1)} s, ${mib} MiB of jars in ${r.lib}`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}

import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaInstall } from '../../scripts/peers/apache-kafka.ts';
import { runProcess, type ProcessResult, type RunOptions } from './run-process.ts';

export interface JvmOptions {
  /** Classpath entries put before Kafka's jars (the Java client harness's classes). */
  readonly classpath?: readonly string[];
  readonly heap?: string;
  /**
   * True for short-lived tools: C1 only and the serial collector cut a JVM's start and its CPU, which
   * matters on 2 cores. False for the broker and benchmarks, which get the JVM settings of Kafka's
   * kafka-run-class.sh (G1 with 20 ms pauses) and C2.
   */
  readonly quickStart?: boolean;
  /** A log4j 2 configuration file; defaults to the tools' (WARN to stderr). */
  readonly log4j?: string;
  /**
   * Keep a class-data-sharing archive of this command (JDK 13+ dynamic AppCDS): the first run dumps
   * the classes it loaded, later runs map them instead of parsing jars — a CLI tool starts in about
   * 0.4 s instead of 0.9 s. Off for benchmarks, whose first run would pay for the dump.
   * GREGOR_PEERS_CDS=0 turns it off everywhere.
   */
  readonly classArchive?: boolean;
}

export interface JavaLaunch {
  /** Arguments for `java`. */
  readonly argv: string[];
  /** Call once the JVM has exited: keeps the archive a first run dumped, or drops a partial one. */
  settle(signal: NodeJS.Signals | null): void;
}

/**
 * The `java` arguments to run `main` on Kafka's jars. JVM warnings go to stderr (by default they go
 * to stdout, where a tool's results are parsed).
 */
export function javaLaunch(kafka: KafkaInstall, main: string, args: readonly string[], options: JvmOptions = {}): JavaLaunch {
  const heap = options.heap ?? '256m';
  const gc = options.quickStart === false
    ? ['-server', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35', '-XX:+ExplicitGCInvokesConcurrent']
    : ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'];
  const classpath = [...(options.classpath ?? []), join(kafka.lib, '*')].join(':');
  // Class-sharing messages are silenced: a dump lists every class it skips, and an archive that no
  // longer fits is simply not used.
  const jvm = [`-Xmx${heap}`, ...gc, '-Xlog:disable', '-Xlog:all=warning,cds*=off:stderr', '-Djava.awt.headless=true'];

  let settle: (signal: NodeJS.Signals | null) => void = () => undefined;
  if (options.classArchive === true && process.env['GREGOR_PEERS_CDS'] !== '0') {
    // An archive is only valid for the classpath and VM flags it was dumped with: they name it.
    const key = createHash('sha256').update(`${classpath}\0${jvm.join('\0')}`).digest('hex').slice(0, 12);
    const dir = join(kafka.home, 'cds');
    const archive = join(dir, `${main}-${key}.jsa`);
    const failed = `${archive}.failed`;
    if (existsSync(archive)) {
      jvm.push(`-XX:SharedArchiveFile=${archive}`);
    } else if (!existsSync(failed)) {
      // Dumped under a private name and renamed once the JVM has exited whole, so a concurrent run
      // never maps a half-written archive. A JVM killed by SIGKILL may have left one: dropped.
      mkdirSync(dir, { recursive: true });
      const staging = `${archive}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
      jvm.push(`-XX:ArchiveClassesAtExit=${staging}`);
      settle = (signal) => {
        try {
          if (signal === 'SIGKILL') return;
          if (existsSync(staging)) {
            if (!existsSync(archive)) renameSync(staging, archive);
          } else {
            // The JVM could not dump (it then fails the run it was in): never ask this command again.
            writeFileSync(failed, '');
          }
        } finally {
          rmSync(staging, { force: true });
        }
      };
    }
  }
  const log4j = `-Dlog4j2.configurationFile=${options.log4j ?? kafka.toolsLog4j}`;
  return { argv: [...jvm, log4j, '-cp', classpath, main, ...args], settle };
}

/** Runs a JVM command to completion (see runProcess), settling its class archive afterwards. */
export async function runJava(
  kafka: KafkaInstall,
  main: string,
  args: readonly string[],
  jvm: JvmOptions,
  run: RunOptions,
): Promise<ProcessResult> {
  const launch = javaLaunch(kafka, main, args, jvm);
  const r = await runProcess('java', launch.argv, run);
  launch.settle(r.signal);
  return r;
}

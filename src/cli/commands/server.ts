import { ConfigError, launchBroker, loadBrokerConfig, type RunningBroker } from '../../broker/index.ts';
import { consoleLogger } from '../../util/index.ts';
import { ExitCode, type Command } from '../command.ts';

/**
 * `gregor server [server.properties] [--override key=value]…`: starts a broker, as Kafka's
 * `kafka-server-start.sh`. Properties come from the file, then `GREGOR_CFG_*` environment variables
 * (GREGOR_CFG_LOG_RETENTION_MS → log.retention.ms), then overrides. With no file the defaults give a
 * single node on PLAINTEXT://localhost:9092 with data in ./data. SIGTERM/SIGINT stop it cleanly.
 */
export const command: Command = {
  usage: '[server.properties] [--override key=value]...',
  description:
    'Start a Gregor broker from a Kafka-style server.properties file (optional). Kafka property names and ' +
    'defaults apply; unknown or invalid properties stop the start. Environment variables GREGOR_CFG_<NAME> ' +
    '(dots as underscores) set properties too; --override wins over both.',
  options: {
    override: { type: 'string', multiple: true, description: 'Set a broker property, e.g. --override log.dirs=/tmp/gregor', valueName: 'key=value' },
    debug: { type: 'boolean', description: 'Log debug lines' },
  },
  allowPositionals: true,
  async run(args, io) {
    if (args.positionals.length > 1) {
      io.err('gregor server: at most one properties file\n');
      return ExitCode.usage;
    }
    const overrides = (Array.isArray(args.values['override']) ? args.values['override'] : []).filter((v): v is string => typeof v === 'string');
    const file = args.positionals[0];
    let broker: RunningBroker;
    try {
      const config = await loadBrokerConfig({ ...(file === undefined ? {} : { file }), env: process.env, overrides });
      broker = await launchBroker(config, { logger: consoleLogger({ debug: args.values['debug'] === true, name: 'broker' }) });
    } catch (error) {
      if (error instanceof ConfigError) {
        io.err(`gregor server: invalid configuration: ${error.message}\n`);
        return ExitCode.usage;
      }
      io.err(`gregor server: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
      return ExitCode.failure;
    }
    const startedMs = Math.round(performance.now());
    const listener = broker.services.advertised();
    io.out(
      `gregor: broker ${broker.nodeId} listening on ${listener.listenerName}://${listener.host}:${listener.port} ` +
        `(cluster ${broker.clusterId}, log dirs ${broker.logDirs.join(',')}) in ${startedMs} ms since process start\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = (signal: string): void => {
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
        io.out(`gregor: ${signal} received, shutting down\n`);
        resolve();
      };
      const onTerm = (): void => stop('SIGTERM');
      const onInt = (): void => stop('SIGINT');
      process.on('SIGTERM', onTerm);
      process.on('SIGINT', onInt);
    });
    await broker.close();
    io.out('gregor: broker stopped\n');
    return ExitCode.ok;
  },
};

import { GOLDEN_TOPIC } from '../golden-records.ts';
import type { ClientDriver } from './driver.ts';
import { pythonPrint, runPythonDriver } from './python-driver.ts';

/** confluent-kafka-python 1.7.0 on librdkafka 2.0.2 (Debian): AdminClient, then a producer with lz4. */

const CLIENT = 'confluent-kafka';
const SCRIPT = 'confluent-kafka-driver.py';

export const confluentKafkaDriver: ClientDriver = {
  client: CLIENT,
  version: async () =>
    `confluent-kafka ${await pythonPrint('confluent_kafka.version()[0] + ", librdkafka " + confluent_kafka.libversion()[0]', 'confluent_kafka')}`,
  steps: [
    { name: 'admin', run: (port) => runPythonDriver(SCRIPT, port, 'admin', CLIENT, GOLDEN_TOPIC, 'none') },
    {
      name: 'produce-lz4',
      produced: { topic: GOLDEN_TOPIC, codec: 'lz4' },
      run: (port) => runPythonDriver(SCRIPT, port, 'produce', CLIENT, GOLDEN_TOPIC, 'lz4'),
    },
  ],
};

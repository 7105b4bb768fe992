import { GOLDEN_TOPIC } from '../golden-records.ts';
import type { ClientDriver } from './driver.ts';
import { pythonPrint, runPythonDriver } from './python-driver.ts';

/** kafka-python 2.0.2 (Debian python3-kafka): producer with gzip, then an assign-and-poll consumer. */

const CLIENT = 'kafka-python';
const SCRIPT = 'kafka-python-driver.py';

export const kafkaPythonDriver: ClientDriver = {
  client: CLIENT,
  version: async () => `kafka-python ${await pythonPrint('kafka.__version__', 'kafka')}`,
  steps: [
    {
      name: 'produce-gzip',
      produced: { topic: GOLDEN_TOPIC, codec: 'gzip' },
      run: (port) => runPythonDriver(SCRIPT, port, 'produce', CLIENT, GOLDEN_TOPIC, 'gzip'),
    },
    { name: 'consume', run: (port) => runPythonDriver(SCRIPT, port, 'consume', CLIENT, GOLDEN_TOPIC, 'gzip') },
  ],
};

import { goldenRecords, type CodecName } from '../golden-records.ts';
import { STEP_TIMEOUT_MS } from './driver.ts';
import { runProcess } from './run-process.ts';

/**
 * Debian's interpreter, which python3-kafka and python3-confluent-kafka install into; a python3
 * earlier on PATH (pyenv, venv) would not see them.
 */
export const PYTHON = '/usr/bin/python3';

/** Runs test/golden/drivers/<script> with the step's parameters as JSON on stdin. */
export async function runPythonDriver(script: string, port: number, step: string, client: string, topic: string, codec: CodecName): Promise<void> {
  const path = new URL(script, import.meta.url).pathname;
  const input = JSON.stringify({ port, step, topic, codec, records: goldenRecords(client, codec) });
  await runProcess(PYTHON, [path], input, STEP_TIMEOUT_MS);
}

export async function pythonPrint(expression: string, imports: string): Promise<string> {
  const { stdout } = await runProcess(PYTHON, ['-c', `import ${imports}; print(${expression})`], '', STEP_TIMEOUT_MS);
  return stdout.trim();
}

import type { CodecName } from '../golden-records.ts';

/** One client session against the capture server, e.g. "produce with gzip". */
export interface CaptureStep {
  readonly name: string;
  /** For produce steps: the topic and codec of goldenRecords(client, codec), which it sends. */
  readonly produced?: { readonly topic: string; readonly codec: CodecName };
  run(port: number): Promise<void>;
}

/** A real client driven by scripts/capture-golden.ts; `client` names its fixture directory. */
export interface ClientDriver {
  readonly client: string;
  /** The client and library versions, for the manifest. */
  version(): Promise<string>;
  readonly steps: readonly CaptureStep[];
}

/** Every peer gets this long per step; a healthy one needs well under a second or two. */
export const STEP_TIMEOUT_MS = 30_000;

/** Fails an in-process client step that has not finished in time, instead of hanging the capture. */
export async function withTimeout<T>(what: string, work: Promise<T>, ms = STEP_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

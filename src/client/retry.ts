import { setTimeout as sleep } from 'node:timers/promises';
import { isRetriable } from './errors.ts';

export interface RetryOptions {
  /** Attempts after the first (default 5). */
  retries?: number;
  /** First backoff (Java's retry.backoff.ms, 100 ms). */
  initialBackoffMs?: number;
  /** Backoff ceiling (retry.backoff.max.ms, 1 s). */
  maxBackoffMs?: number;
  /** Growth per attempt (2, as ExponentialBackoff in the Java client). */
  factor?: number;
  /** ±fraction of random jitter (0.2), so many clients do not retry in lockstep. */
  jitter?: number;
}

/** Backoff before retry number `attempt` (0-based): initial · factor^attempt, capped, with jitter (KIP-580). */
export function backoffMs(attempt: number, options: RetryOptions = {}, random: () => number = Math.random): number {
  const initial = options.initialBackoffMs ?? 100;
  const max = options.maxBackoffMs ?? 1000;
  const factor = options.factor ?? 2;
  const jitter = options.jitter ?? 0.2;
  const base = Math.min(max, initial * factor ** attempt);
  return Math.max(0, Math.round(base * (1 + jitter * (2 * random() - 1))));
}

/**
 * Runs `fn` until it succeeds, retrying retriable errors with exponential backoff. `beforeRetry`
 * runs between attempts (a metadata refresh, typically). Non-retriable errors pass straight through.
 */
export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions & { signal?: AbortSignal; beforeRetry?: (error: unknown, attempt: number) => Promise<void> | void } = {},
): Promise<T> {
  const retries = options.retries ?? 5;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= retries || !isRetriable(error) || options.signal?.aborted) throw error;
      await sleep(backoffMs(attempt, options), undefined, options.signal === undefined ? {} : { signal: options.signal });
      await options.beforeRetry?.(error, attempt);
    }
  }
}

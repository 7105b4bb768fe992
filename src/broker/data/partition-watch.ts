/**
 * Wakes Fetch requests parked in a long poll (`max_wait_ms`, `min_bytes`) when a partition they
 * read gains data, as Kafka's DelayedFetch purgatory does. Keyed by "topic\0partition"; produce
 * calls `notify` after moving the high watermark.
 */
export class PartitionWatch {
  readonly #waiters = new Map<string, Set<() => void>>();

  static key(topic: string, partition: number): string {
    return `${topic}\u0000${partition}`;
  }

  notify(topic: string, partition: number): void {
    const set = this.#waiters.get(PartitionWatch.key(topic, partition));
    if (set === undefined) return;
    for (const wake of [...set]) wake();
  }

  /**
   * Resolves when any of `keys` is notified, after `timeoutMs`, or when `signal` aborts, whichever
   * comes first. Never rejects: the caller re-reads and decides.
   */
  wait(keys: readonly string[], timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted || timeoutMs <= 0 || keys.length === 0) {
        resolve();
        return;
      }
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        for (const k of keys) {
          const set = this.#waiters.get(k);
          if (set === undefined) continue;
          set.delete(done);
          if (set.size === 0) this.#waiters.delete(k);
        }
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done, { once: true });
      for (const k of keys) {
        let set = this.#waiters.get(k);
        if (set === undefined) this.#waiters.set(k, (set = new Set()));
        set.add(done);
      }
    });
  }

  /** Parked fetches, for tests and metrics. */
  get waiting(): number {
    let n = 0;
    for (const set of this.#waiters.values()) n += set.size;
    return n;
  }
}

const watches = new WeakMap<object, PartitionWatch>();

/** The watch shared by every handler of one broker (keyed by its services object). */
export function partitionWatchOf(services: object): PartitionWatch {
  let watch = watches.get(services);
  if (watch === undefined) watches.set(services, (watch = new PartitionWatch()));
  return watch;
}

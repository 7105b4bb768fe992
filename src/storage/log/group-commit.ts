/**
 * Group commit: one flush pass serves every waiter that arrived before it began. While a pass runs
 * (an fdatasync is ~1 ms here), new waiters collect and share the next pass, so N concurrent
 * producers asking for durability cost about one fsync per round instead of N.
 */
export interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

export class GroupCommit {
  readonly #pass: () => Promise<void>;
  readonly #onFailure: (err: unknown) => unknown;
  #waiters: Waiter[] = [];
  #wanted = false;
  #running: Promise<void> | undefined;
  #failure: unknown;
  #failed = false;
  passes = 0;

  /**
   * `pass` makes everything written before it was called durable. `onFailure` turns a pass's error
   * into the error every waiter (now and later) is rejected with; after a failure no pass runs again,
   * since after a failed fsync the page cache can no longer be trusted.
   */
  constructor(pass: () => Promise<void>, onFailure: (err: unknown) => unknown) {
    this.#pass = pass;
    this.#onFailure = onFailure;
  }

  /** Resolves after a pass that started after this call has completed. */
  wait(): Promise<void> {
    return new Promise((resolve, reject) => this.add({ resolve, reject }));
  }

  add(waiter: Waiter): void {
    if (this.#failed) {
      waiter.reject(this.#failure);
      return;
    }
    this.#waiters.push(waiter);
    this.#kick();
  }

  /** Asks for a pass without waiting for it (a roll, flush.messages). */
  request(): void {
    this.#wanted = true;
    this.#kick();
  }

  /** Settles when no pass is running. */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  /** Rejects every waiter without a pass (the log is going away). */
  abandon(err: unknown): void {
    for (const w of this.#waiters.splice(0)) w.reject(err);
    this.#wanted = false;
  }

  #kick(): void {
    if (this.#running !== undefined || this.#failed) return;
    this.#running = this.#loop();
  }

  /** Clears `#running` in the same tick as its last check finds nothing to do, so no waiter is ever stranded. */
  async #loop(): Promise<void> {
    // Yield once so that waiters added in the same tick as the first one share its pass.
    await undefined;
    for (;;) {
      if (this.#failed || (this.#waiters.length === 0 && !this.#wanted)) {
        this.#running = undefined;
        return;
      }
      this.#wanted = false;
      const waiters = this.#waiters;
      this.#waiters = [];
      this.passes++;
      try {
        await this.#pass();
      } catch (err) {
        this.#failed = true;
        this.#failure = this.#onFailure(err);
        for (const w of waiters) w.reject(this.#failure);
        this.abandon(this.#failure);
        this.#running = undefined;
        return;
      }
      for (const w of waiters) w.resolve();
    }
  }
}

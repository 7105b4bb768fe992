import type { Logger, Scheduler, Timer } from '../../util/index.ts';

/**
 * Deferred removal of files already renamed to `*.deleted`, after Kafka's async segment deletion:
 * the delay (file.delete.delay.ms) lets reads that still hold the segment finish first. Pending
 * deletions that a shutdown interrupts are finished by the next start, which removes every
 * `*.deleted` file it finds.
 */
export interface Deletable {
  deleteFiles(): Promise<void>;
}

export class FileDeleter {
  readonly #scheduler: Scheduler;
  readonly #logger: Logger;
  readonly #pending = new Map<Deletable, Timer>();
  readonly #running = new Set<Promise<void>>();

  constructor(scheduler: Scheduler, logger: Logger) {
    this.#scheduler = scheduler;
    this.#logger = logger;
  }

  deleteLater(item: Deletable, delayMs: number, what: string): void {
    const timer = this.#scheduler.schedule(delayMs, () => {
      this.#pending.delete(item);
      this.#start(item, what);
    });
    this.#pending.set(item, timer);
  }

  #start(item: Deletable, what: string): void {
    const p = item.deleteFiles().catch((err: unknown) => this.#logger.warn('could not delete files', { what, error: String(err) }));
    this.#running.add(p);
    void p.finally(() => this.#running.delete(p));
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Resolves when every deletion already started has finished. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }

  /** Runs every pending deletion now (tests, and deleting a whole log). */
  async runAll(): Promise<void> {
    for (const [item, timer] of [...this.#pending]) {
      timer.cancel();
      this.#pending.delete(item);
      this.#start(item, 'flush');
    }
    await this.idle();
  }

  /** Drops timers without deleting; files stay as `*.deleted` for the next start to remove. */
  cancelAll(closeEach: (item: Deletable) => Promise<void>): Promise<void> {
    const items = [...this.#pending.keys()];
    for (const timer of this.#pending.values()) timer.cancel();
    this.#pending.clear();
    return Promise.all(items.map(closeEach)).then(() => this.idle());
  }
}

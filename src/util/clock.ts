/**
 * Time and timers, injected so that code with deadlines (retention, flush.ms, sessions) is tested by
 * moving a manual clock instead of sleeping. Milliseconds since the Unix epoch, like Kafka's `Time`.
 */
export interface Clock {
  now(): number;
}

export interface Timer {
  cancel(): void;
}

/** Runs `fn` once after `delayMs`. System timers are unref'd: a pending timer never keeps the process alive. */
export interface Scheduler {
  schedule(delayMs: number, fn: () => void): Timer;
}

export const systemClock: Clock = { now: () => Date.now() };

export const systemScheduler: Scheduler = {
  schedule(delayMs, fn) {
    const handle = setTimeout(fn, Math.max(0, delayMs));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};

/** A clock that moves only when told to; `advance` runs due timers in time order, synchronously. */
export class ManualClock implements Clock, Scheduler {
  #now: number;
  #timers: ManualTimer[] = [];
  #seq = 0;

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  schedule(delayMs: number, fn: () => void): Timer {
    const entry = { at: this.#now + Math.max(0, delayMs), seq: this.#seq++, fn };
    this.#timers.push(entry);
    return { cancel: () => void (this.#timers = this.#timers.filter((t) => t !== entry)) };
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (including ones they schedule). */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.#timers) {
        if (t.at <= target && (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      }
      if (next === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.at);
      next.fn();
    }
    this.#now = target;
  }

  pendingTimers(): number {
    return this.#timers.length;
  }
}

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
}

import { ClientError } from './errors.ts';

/**
 * Back-pressure for the producer (Java's BufferPool, buffer.memory + max.block.ms): records
 * reserve their estimated size before joining a batch and release it once acknowledged. When the
 * pool is full, `reserve` waits (FIFO, so a large record is not starved by small ones) up to
 * `maxBlockMs`, then fails with BUFFER_EXHAUSTED.
 */
export class BufferPool {
  readonly capacity: number;
  #used = 0;
  readonly #waiters: Array<{ bytes: number; resolve(): void; reject(error: Error): void }> = [];

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get used(): number {
    return this.#used;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  reserve(bytes: number, maxBlockMs: number, signal?: AbortSignal): Promise<void> {
    // A record larger than the whole pool could never fit; it may still go alone into an empty pool.
    const need = Math.min(bytes, this.capacity);
    if (this.#waiters.length === 0 && this.#used + need <= this.capacity) {
      this.#used += need;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        remove();
        reject(new ClientError('BUFFER_EXHAUSTED', `no room for ${bytes} bytes in the ${this.capacity}-byte producer buffer within ${maxBlockMs} ms`));
      }, maxBlockMs);
      const onAbort = (): void => {
        remove();
        reject(new ClientError('ABORTED', 'send aborted while waiting for buffer memory'));
      };
      const waiter = {
        bytes: need,
        resolve: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      const remove = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        this.#grant();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  release(bytes: number): void {
    this.#used = Math.max(0, this.#used - Math.min(bytes, this.capacity));
    this.#grant();
  }

  #grant(): void {
    while (this.#waiters.length > 0 && this.#used + this.#waiters[0]!.bytes <= this.capacity) {
      const w = this.#waiters.shift()!;
      this.#used += w.bytes;
      w.resolve();
    }
  }
}

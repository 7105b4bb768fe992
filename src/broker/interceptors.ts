import type { InterceptAction, InterceptedRequest, Interceptor, InterceptOptions } from './handlers/handler.ts';

interface Entry {
  readonly fn: Interceptor;
  readonly apiKey: number | undefined;
  remaining: number;
}

/**
 * The installed test interceptors, tried in installation order before a request reaches its
 * handler (kfake's `ControlKey` / `KeepControl`). The first one that acts wins.
 */
export class Interceptors {
  #entries: Entry[] = [];

  get size(): number {
    return this.#entries.length;
  }

  add(fn: Interceptor, options: InterceptOptions = {}): () => void {
    const entry: Entry = { fn, apiKey: options.apiKey, remaining: options.times ?? Number.POSITIVE_INFINITY };
    this.#entries.push(entry);
    return () => {
      this.#entries = this.#entries.filter((e) => e !== entry);
    };
  }

  /** Runs the interceptors for one request; resolves to the action taken ('pass' when none acted). */
  async run(request: InterceptedRequest): Promise<InterceptAction> {
    for (const entry of [...this.#entries]) {
      if (entry.apiKey !== undefined && entry.apiKey !== request.apiKey) continue;
      if (!this.#entries.includes(entry)) continue;
      const action = await entry.fn(request);
      if (action === undefined || action.action === 'pass') continue;
      entry.remaining -= 1;
      if (entry.remaining <= 0) this.#entries = this.#entries.filter((e) => e !== entry);
      return action;
    }
    return { action: 'pass' };
  }
}

/**
 * Recycled buffers for the fetch path. A fetch reads up to `max.partition.fetch.bytes` (1 MiB by
 * default) per partition into a buffer that lives only until the response carrying it is written to
 * the socket. Allocating each one afresh made a consumer at ~500 MiB/s spend about a third of the
 * broker's CPU in V8's garbage collector (bench/results/compare-profile.md): every large
 * ArrayBuffer is external memory that V8 frees only through GC, and it pushes V8 to collect often.
 *
 * Ownership is explicit and one-way: `acquire` hands out a buffer (a view of a pooled slab), and the
 * slab returns to the pool only when its holder calls `release` with that view (or any view of the
 * same slab). A holder that never releases simply leaves the slab to the garbage collector, so a
 * forgotten release costs an allocation, never correctness. A release too early would let another
 * read overwrite bytes still on their way out; hence the only releaser on the fetch path is the
 * connection, after the socket write that carried the bytes has completed.
 */

/** Slab sizes are powers of two in [MIN_SLAB, MAX_SLAB]; other lengths are plain allocations. */
const MIN_SLAB = 64 * 1024;
const MAX_SLAB = 16 * 1024 * 1024;

export class SlabPool {
  /** Free slabs by size. */
  readonly #free = new Map<number, ArrayBuffer[]>();
  /** Slabs handed out and not yet released. */
  readonly #leased = new WeakSet<ArrayBuffer>();
  readonly #maxFreeBytes: number;
  #freeBytes = 0;
  /** Counters for tests and benchmarks. */
  readonly stats = { acquired: 0, reused: 0, released: 0 };

  /** `maxFreeBytes` bounds what the pool keeps while idle (it is resident memory). */
  constructor(maxFreeBytes: number) {
    this.#maxFreeBytes = maxFreeBytes;
  }

  /** Bytes held in free slabs. */
  get freeBytes(): number {
    return this.#freeBytes;
  }

  /**
   * A buffer of exactly `length` bytes, contents undefined. Pooled when `length` is within the slab
   * sizes; otherwise an ordinary allocation that `owns` does not recognise.
   */
  acquire(length: number): Buffer {
    if (length < MIN_SLAB / 2 || length > MAX_SLAB) return Buffer.allocUnsafe(length);
    const size = slabSize(length);
    const free = this.#free.get(size);
    let slab = free?.pop();
    if (slab === undefined) {
      // allocUnsafeSlow never carves from Node's shared pool: the view owns its whole ArrayBuffer.
      slab = Buffer.allocUnsafeSlow(size).buffer as ArrayBuffer;
    } else {
      this.#freeBytes -= size;
      this.stats.reused++;
    }
    this.stats.acquired++;
    this.#leased.add(slab);
    return Buffer.from(slab, 0, length);
  }

  /** Whether `buf` is a view of a slab handed out and not yet released. */
  owns(buf: Uint8Array): boolean {
    return this.#leased.has(buf.buffer as ArrayBuffer);
  }

  /**
   * Gives the slab under `buf` back; the caller and every view it made must not touch it afterwards.
   * Returns false (and does nothing) for a buffer the pool did not lease or that was released already.
   */
  release(buf: Uint8Array): boolean {
    const slab = buf.buffer as ArrayBuffer;
    if (!this.#leased.has(slab)) return false;
    this.#leased.delete(slab);
    this.stats.released++;
    if (this.#freeBytes + slab.byteLength > this.#maxFreeBytes) return true;
    let free = this.#free.get(slab.byteLength);
    if (free === undefined) this.#free.set(slab.byteLength, (free = []));
    free.push(slab);
    this.#freeBytes += slab.byteLength;
    return true;
  }
}

function slabSize(length: number): number {
  let size = MIN_SLAB;
  while (size < length) size *= 2;
  return size;
}

/**
 * The process's pool for log reads that go out on a socket: storage acquires, the broker's
 * connections release after writing. 32 MiB idle covers a 16-partition fetch of 1 MiB per
 * partition in flight on two connections.
 */
export const readBufferPool = new SlabPool(32 * 1024 * 1024);

/**
 * Splits a byte stream into Kafka frames (int32 size, then that many bytes). A frame split over
 * many socket chunks is copied once into a buffer of its final size, so a large Fetch response
 * arriving in 64 KiB pieces costs O(size), not O(size²) as repeated concatenation would.
 */
export class FrameDecoder {
  readonly #maxFrameBytes: number;
  #sizeBytes = Buffer.alloc(4);
  #sizeFilled = 0;
  #frame: Buffer | null = null;
  #frameFilled = 0;

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** Feeds a chunk; returns the frames it completed (without size prefixes). Throws on a bad size. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      if (this.#frame === null) {
        // Fast path: a whole frame inside the chunk is returned as a view, without copying.
        if (this.#sizeFilled === 0 && chunk.length - pos >= 4) {
          const size = this.#checkSize(chunk.readInt32BE(pos));
          if (chunk.length - pos - 4 >= size) {
            out.push(chunk.subarray(pos + 4, pos + 4 + size));
            pos += 4 + size;
            continue;
          }
          this.#startFrame(size);
          pos += 4;
          continue;
        }
        const n = Math.min(4 - this.#sizeFilled, chunk.length - pos);
        chunk.copy(this.#sizeBytes, this.#sizeFilled, pos, pos + n);
        this.#sizeFilled += n;
        pos += n;
        if (this.#sizeFilled < 4) break;
        this.#startFrame(this.#checkSize(this.#sizeBytes.readInt32BE(0)));
        if (this.#frame !== null && (this.#frame as Buffer).length === 0) out.push(this.#take());
        continue;
      }
      const frame: Buffer = this.#frame;
      const n = Math.min(frame.length - this.#frameFilled, chunk.length - pos);
      chunk.copy(frame, this.#frameFilled, pos, pos + n);
      this.#frameFilled += n;
      pos += n;
      if (this.#frameFilled === frame.length) out.push(this.#take());
    }
    return out;
  }

  /** Bytes of a frame started but not finished (for diagnostics). */
  get buffered(): number {
    return this.#frame === null ? this.#sizeFilled : 4 + this.#frameFilled;
  }

  #checkSize(size: number): number {
    if (size < 0 || size > this.#maxFrameBytes) throw new RangeError(`frame size ${size} is outside 0..${this.#maxFrameBytes}`);
    return size;
  }

  #startFrame(size: number): void {
    this.#frame = Buffer.allocUnsafe(size);
    this.#frameFilled = 0;
    this.#sizeFilled = 0;
  }

  #take(): Buffer {
    const frame = this.#frame!;
    this.#frame = null;
    this.#frameFilled = 0;
    this.#sizeFilled = 0;
    return frame;
  }
}

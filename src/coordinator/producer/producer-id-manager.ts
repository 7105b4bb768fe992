import { join } from 'node:path';
import { readCheckpoint, writeCheckpoint } from '../../storage/index.ts';
import { GregorError } from '../../util/index.ts';

/** Ids handed out per durable write (Kafka's ProducerIdManager reserves blocks of 1000 too). */
export const PRODUCER_ID_BLOCK_SIZE = 1000n;
/** File in the first log dir holding the first producer id not yet reserved. */
export const PRODUCER_ID_FILE = 'producer-id-block-checkpoint';

/**
 * Allocates producer ids for InitProducerId. Kafka reserves blocks of ids in ZooKeeper
 * (`/latest_producer_id_block`) or through the controller (AllocateProducerIds, KIP-730); a single
 * node keeps the end of its current block in a checkpoint file (written atomically and fsynced)
 * before handing out any id of the block, so a restart, even after kill -9, never reuses an id: at
 * worst it skips the rest of a block.
 */
export class ProducerIdManager {
  readonly #file: string;
  #next: bigint;
  #blockEnd: bigint;
  #chain: Promise<unknown> = Promise.resolve();

  private constructor(file: string, reservedUpTo: bigint) {
    this.#file = file;
    this.#next = reservedUpTo;
    this.#blockEnd = reservedUpTo;
  }

  static async open(logDir: string): Promise<ProducerIdManager> {
    const file = join(logDir, PRODUCER_ID_FILE);
    const entries = await readCheckpoint(file);
    let reserved = 0n;
    if (entries.length > 0) {
      const field = entries[0]?.[0];
      if (entries.length !== 1 || field === undefined || !/^\d+$/.test(field)) {
        throw new GregorError('STORAGE_ERROR', `malformed producer id checkpoint ${file}`);
      }
      reserved = BigInt(field);
    }
    return new ProducerIdManager(file, reserved);
  }

  /** The next producer id; reserves a new block durably first when the current one is used up. */
  generate(): Promise<bigint> {
    const result = this.#chain.then(async () => {
      if (this.#next >= this.#blockEnd) {
        const end = this.#next + PRODUCER_ID_BLOCK_SIZE;
        await writeCheckpoint(this.#file, [String(end)]);
        this.#blockEnd = end;
      }
      return this.#next++;
    });
    this.#chain = result.catch(() => undefined);
    return result;
  }
}

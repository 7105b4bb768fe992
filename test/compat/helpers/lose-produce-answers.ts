import type { RunningBroker } from '../../../src/broker/index.ts';
import { handler as produceHandler } from '../../../src/broker/handlers/00-produce.ts';
import { ApiKey, type ProduceRequest } from '../../../src/protocol/messages/index.ts';

export interface LostAnswers {
  /** Produce requests appended whose answers were replaced by a closed connection. */
  readonly lost: () => number;
  readonly remove: () => void;
}

/**
 * Makes the broker append the Produce requests `lose` picks (by 1-based call number) for real, then
 * close the connection instead of answering: the client cannot tell that from a request that never
 * arrived, so an idempotent producer resends the same batch with the same sequence numbers.
 */
export function loseProduceAnswers(broker: RunningBroker, lose: (call: number) => boolean): LostAnswers {
  let calls = 0;
  let lost = 0;
  const remove = broker.intercept(
    async ({ ctx, request, version }) => {
      if (!lose(++calls)) return undefined;
      await produceHandler.handle(ctx, request as ProduceRequest, version);
      lost++;
      return { action: 'close' };
    },
    { apiKey: ApiKey.Produce },
  );
  return { lost: () => lost, remove };
}

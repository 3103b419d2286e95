/**
 * Runs a delivery's handler at most once to completion, with Powertools for AWS Lambda's
 * Idempotency on the consumer table (functions/config/tables.ts `consumerTable`):
 *
 * - before the handler, a conditional write records the delivery as in progress until the
 *   invocation's deadline (`registerLambdaContext`); a second copy of the message meanwhile
 *   (SQS redelivers, or the same delivery queued twice) finds it and is retried later;
 * - a handler that throws has its record deleted, so the retry runs it again;
 * - a handler that never returns (a timeout, a crash) leaves the record in progress until that
 *   deadline, after which SQS's retry (the visibility timeout is longer) runs it again;
 * - a completed record is kept for `rememberSeconds`: every later copy is skipped.
 *
 * What it cannot promise: a handler that completed but whose completion could not be written
 * (DynamoDB failing at that moment) runs again after its deadline. docs/consumer.md says so.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DeliveryEvent } from './delivery-event.ts';
import type { DeliveryHandler } from './routes.ts';
import type { ConsumerContext } from './sqs-event.ts';

export interface RunOnceOptions {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  /** Names this consumer's records, so that two consumers on one table never skip each other's. */
  readonly name: string;
  /** How long a completed delivery is remembered. */
  readonly rememberSeconds: number;
}

/** What happened to the handler: it ran to completion now, or had already. */
export type RunOutcome = 'ran' | 'already_done';

/**
 * The key a delivery's run is remembered by: its provider and delivery id; a replay
 * (`webhooks replay`) has its own, by when it was replayed, so that it runs the handler again.
 */
export function runKey(event: Pick<DeliveryEvent, 'providerId' | 'deliveryId' | 'replay'>): string {
  const base = `${event.providerId}\n${event.deliveryId}`;
  return event.replay === undefined ? base : `${base}\nreplayed ${event.replay.replayedAt}`;
}

/** Returns `run(handler, event, context)`, which runs `handler` once per {@link runKey}. */
export function runOnce(options: RunOnceOptions) {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: options.rememberSeconds,
  });
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    awsSdkV3Client: options.dynamodb,
  });
  // One argument holds the key (all that is hashed: `eventKeyJmesPath`), the route and the
  // event, so that one idempotent function serves every route.
  const idempotent = makeIdempotent(
    async (run: {
      readonly key: string;
      readonly handler: DeliveryHandler;
      readonly event: DeliveryEvent;
      readonly ran: { value: boolean };
    }) => {
      await run.handler(run.event);
      run.ran.value = true;
      return 'completed';
    },
    { persistenceStore, config, keyPrefix: options.name },
  );
  return async (
    handler: DeliveryHandler,
    event: DeliveryEvent,
    context: ConsumerContext,
  ): Promise<RunOutcome> => {
    // The in-progress record expires at this invocation's deadline: a crash is retried after it.
    config.registerLambdaContext(
      context as Parameters<IdempotencyConfig['registerLambdaContext']>[0],
    );
    const ran = { value: false };
    await idempotent({ key: runKey(event), handler, event, ran });
    return ran.value ? 'ran' : 'already_done';
  };
}

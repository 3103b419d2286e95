/**
 * `createConsumer`: the user's function, or map of functions, as an SQS-triggered Lambda
 * handler on the delivery queue. Each message is opened (the envelope checked, a body kept in
 * the payload bucket fetched and checked against its digest), routed, and run once per provider
 * and delivery id (run-once.ts); the batch answers with partial failures
 * (ReportBatchItemFailures), so only the messages that failed are retried, and after the
 * queue's `maxReceiveCount` they go to the dead-letter queue.
 *
 * The queue is FIFO with one message group per delivery: Powertools' FIFO processor, with
 * `skipGroupOnError`, fails a failed delivery's own group only, never the rest of the batch.
 */
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { boundedClientConfig } from '../functions/aws/clients.ts';
import { deliveryQueue } from '../functions/config/queues.ts';
import { consumerNameVariable, consumerTable } from '../functions/config/tables.ts';
import { getBodyObject } from '../functions/queue/body-objects.ts';
import { openEnvelope } from '../functions/queue/envelope.ts';
import { replayAttributeNames } from '../functions/queue/replay-attributes.ts';
import { type DeliveryEvent, deliveryEvent, type Replay } from './delivery-event.ts';
import { outcomeMetrics } from './outcome-metrics.ts';
import type { ConsumerOutcome, ConsumerReport } from './report.ts';
import { type DeliveryHandler, type HandlerRoutes, routeOf } from './routes.ts';
import { runOnce } from './run-once.ts';
import type { ConsumerContext, SqsBatchResponse, SqsEvent, SqsRecord } from './sqs-event.ts';

export interface ConsumerOptions {
  /** The user's code: one function, or a map by provider and event type (routes.ts). */
  readonly handler: DeliveryHandler | HandlerRoutes;
  /**
   * Names this consumer's records in the consumer table: two consumers of the same deliveries
   * must have different names. @default - `CONSUMER_NAME` (set by `addConsumer`), else the
   * Lambda function's name
   */
  readonly name?: string;
  /** @default - the `CONSUMER_TABLE_NAME` environment variable */
  readonly tableName?: string;
  /** How long a completed delivery is remembered. @default - the delivery queue's retention (14 days) */
  readonly rememberSeconds?: number;
  /** @default - a client from the standard AWS environment settings */
  readonly dynamodb?: DynamoDBClient;
  /** For bodies kept in the payload bucket. @default - a client from the standard settings */
  readonly s3?: S3Client;
  /**
   * Told each message's outcome.
   * @default - one JSON line on standard output that is also an EMF count of the outcome
   */
  readonly report?: (report: ConsumerReport) => void;
}

/**
 * The Lambda handler for `options.handler`.
 * @example
 * export const handler = createConsumer({
 *   handler: { 'stripe-live': { 'invoice.paid': async (event) => markPaid(event.json()) } },
 * });
 */
export function createConsumer(options: ConsumerOptions) {
  const tableName = options.tableName ?? process.env[consumerTable.nameVariable];
  if (!tableName) {
    throw new Error(
      `the consumer needs its table: pass tableName or set ${consumerTable.nameVariable}`,
    );
  }
  // Powertools skips idempotency altogether under this variable: every copy would run.
  if (process.env.POWERTOOLS_IDEMPOTENCY_DISABLED) {
    throw new Error(
      'the consumer runs each delivery once through Powertools Idempotency: unset POWERTOOLS_IDEMPOTENCY_DISABLED',
    );
  }
  const rememberSeconds = options.rememberSeconds ?? deliveryQueue.retentionSeconds;
  // Shorter than a run, a record could be taken over while its run is still going.
  if (
    !Number.isInteger(rememberSeconds) ||
    rememberSeconds < deliveryQueue.visibilityTimeoutSeconds
  ) {
    throw new Error(
      `rememberSeconds must be a whole number of at least the queue's visibility timeout (${deliveryQueue.visibilityTimeoutSeconds} s), not ${rememberSeconds}`,
    );
  }
  const dynamodb = options.dynamodb ?? new DynamoDBClient(boundedClientConfig());
  const s3 = options.s3 ?? new S3Client(boundedClientConfig());
  const report = options.report ?? outcomeMetrics();
  const run = runOnce({
    dynamodb,
    tableName,
    name:
      options.name ??
      process.env[consumerNameVariable] ??
      process.env.AWS_LAMBDA_FUNCTION_NAME ??
      'webhook-consumer',
    rememberSeconds,
  });

  const processMessage = async (record: SqsRecord, context: ConsumerContext) => {
    const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
    let event: DeliveryEvent | undefined;
    try {
      const envelope = await openEnvelope(record.body, (object) => getBodyObject(s3, object));
      event = deliveryEvent(envelope, replayOf(record));
      const handler = routeOf(options.handler, event);
      const outcome = handler === undefined ? 'unrouted' : await run(handler, event, context);
      report(reportOf(record, receiveCount, outcome, event));
    } catch (error) {
      const outcome = error instanceof IdempotencyAlreadyInProgressError ? 'in_progress' : 'failed';
      report(reportOf(record, receiveCount, outcome, event, error));
      throw error;
    }
  };

  return async (event: SqsEvent, context: ConsumerContext): Promise<SqsBatchResponse> => {
    const processor = new SqsFifoPartialProcessorAsync();
    return processPartialResponse(
      event as unknown as Parameters<typeof processPartialResponse>[0],
      (record: SqsRecord) => processMessage(record, context),
      processor,
      { skipGroupOnError: true, throwOnFullBatchFailure: false },
    );
  };
}

/** A replay's marks, from the attributes `webhooks replay` sets. */
function replayOf(record: SqsRecord): Replay | undefined {
  const attributes = record.messageAttributes;
  if (attributes[replayAttributeNames.replay]?.stringValue !== 'true') return undefined;
  const replayedAt = attributes[replayAttributeNames.replayedAt]?.stringValue;
  return replayedAt === undefined ? undefined : { replayedAt };
}

function reportOf(
  record: SqsRecord,
  receiveCount: number,
  outcome: ConsumerOutcome,
  event: DeliveryEvent | undefined,
  error?: unknown,
): ConsumerReport {
  return {
    outcome,
    messageId: record.messageId,
    ...(event === undefined
      ? {}
      : {
          providerId: event.providerId,
          deliveryId: event.deliveryId,
          ...(event.eventType === undefined ? {} : { eventType: event.eventType }),
        }),
    ...(error === undefined
      ? {}
      : { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
    receiveCount,
  };
}

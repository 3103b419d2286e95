/**
 * The parts of Lambda's SQS event and context the consumer reads, typed here so that a user's
 * code needs no `@types/aws-lambda`. Each is what that package's type is assignable to, so a
 * handler made by `createConsumer` can be annotated as its `SQSHandler`: no index signature
 * the package's interfaces lack, optional fields that may hold `undefined`, a mutable response.
 */

/** A message attribute as Lambda hands it over. */
export interface SqsMessageAttribute {
  readonly stringValue?: string | undefined;
  readonly dataType: string;
}

/** One message of the batch. */
export interface SqsRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: {
    readonly ApproximateReceiveCount: string;
    readonly MessageGroupId?: string | undefined;
  };
  readonly messageAttributes: Readonly<Record<string, SqsMessageAttribute>>;
  readonly eventSource: string;
  readonly eventSourceARN: string;
  readonly awsRegion: string;
  readonly md5OfBody: string;
}

export interface SqsEvent {
  readonly Records: readonly SqsRecord[];
}

/** Partial batch response: the messages to leave on the queue (ReportBatchItemFailures). */
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/** What the consumer needs of Lambda's context: how long the invocation has left. */
export interface ConsumerContext {
  getRemainingTimeInMillis(): number;
  readonly functionName?: string;
  readonly awsRequestId?: string;
}

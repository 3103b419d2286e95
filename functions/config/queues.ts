import { queueMaxMessageBytes } from './limits.ts';

/**
 * How long SQS remembers a FIFO message's deduplication id: a second send with the same id
 * within it is accepted and not delivered; after it, SQS cannot tell it from a new message
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html).
 * A property of SQS, not a setting: named here so that the lease and Retry-After can be checked
 * against it.
 */
export const fifoDeduplicationIntervalSeconds = 300;

/**
 * FIFO in high-throughput mode: deduplication within a message group, and the throughput quota
 * per group rather than per queue, so that the queue's rate is not that of one group
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/high-throughput-fifo.html).
 * Each delivery is its own group (functions/queue/deduplication.ts): FIFO is used for its
 * deduplication, and no order between deliveries is promised.
 */
const highThroughputFifo = {
  fifo: true,
  deduplicationScope: 'messageGroup',
  fifoThroughputLimit: 'perMessageGroupId',
} as const;

/**
 * The delivery queue and its dead-letter queue, as data: the CDK construct and the local
 * stack both create them from this, and the Lambda finds the URL through `urlVariable`. A FIFO
 * queue's name must end in `.fifo`, and its dead-letter queue must be FIFO too.
 */
export const deliveryQueue = {
  urlVariable: 'QUEUE_URL',
  localName: 'webhook-ingestion-deliveries.fifo',
  ...highThroughputFifo,
  maxMessageBytes: queueMaxMessageBytes,
  /** Long enough for a consumer to process a delivery before SQS offers it again. */
  visibilityTimeoutSeconds: 300,
  /** The longest SQS allows, so that a stalled consumer loses nothing for two weeks. */
  retentionSeconds: 1_209_600,
  /** Receives before a message moves to the dead-letter queue. */
  maxReceiveCount: 5,
} as const;

export const deadLetterQueue = {
  urlVariable: 'DEAD_LETTER_QUEUE_URL',
  localName: 'webhook-ingestion-deliveries-dlq.fifo',
  ...highThroughputFifo,
  maxMessageBytes: queueMaxMessageBytes,
  /** Counted from the move: a FIFO dead-letter queue resets the enqueue time. */
  retentionSeconds: 1_209_600,
} as const;

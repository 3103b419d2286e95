import { queueMaxMessageBytes } from './limits.ts';

/**
 * The delivery queue and its dead-letter queue, as data: the CDK construct and the local
 * stack both create them from this, and the Lambda finds the URL through `urlVariable`.
 */
export const deliveryQueue = {
  urlVariable: 'QUEUE_URL',
  localName: 'webhook-ingestion-deliveries',
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
  localName: 'webhook-ingestion-deliveries-dlq',
  maxMessageBytes: queueMaxMessageBytes,
  retentionSeconds: 1_209_600,
} as const;

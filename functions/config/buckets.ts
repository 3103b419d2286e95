import { deliveryQueue } from './queues.ts';

const secondsPerDay = 86_400;

/**
 * The payload bucket: bodies too large to travel inside a queue message
 * (`maxInlineBodyBytes`), each under a key the message names. The CDK construct and the local
 * stack both create it from this, and the Lambda finds its name through `nameVariable`.
 */
export const payloadBucket = {
  nameVariable: 'PAYLOAD_BUCKET_NAME',
  localName: 'webhook-ingestion-payloads',
  /**
   * Days after which S3 expires an object. S3 adds the days to the object's creation and
   * rounds up to the next midnight UTC, so an object goes at most one day later than the days
   * say; one day less than the queue's retention keeps every object within it (13 for 14).
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-expire-general-considerations.html
   */
  expirationDays: Math.floor(deliveryQueue.retentionSeconds / secondsPerDay) - 1,
} as const;

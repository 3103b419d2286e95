/**
 * The delivery queue and its dead-letter queue, from functions/config/queues.ts: SSE-KMS with
 * the queue key, TLS-only access, and the maximum message size set explicitly, because the
 * handler's body limit (functions/config/limits.ts) is derived from it.
 */
import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterQueue, deliveryQueue } from '../functions/config/queues.ts';

export class DeliveryQueues extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, key: kms.IKey) {
    super(scope, id);
    const encryption = {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      // Data keys are reused for five minutes: fewer KMS calls, same key and context.
      dataKeyReuse: Duration.minutes(5),
      enforceSSL: true,
    };
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...encryption,
      maxMessageSizeBytes: deadLetterQueue.maxMessageBytes,
      retentionPeriod: Duration.seconds(deadLetterQueue.retentionSeconds),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      ...encryption,
      maxMessageSizeBytes: deliveryQueue.maxMessageBytes,
      retentionPeriod: Duration.seconds(deliveryQueue.retentionSeconds),
      visibilityTimeout: Duration.seconds(deliveryQueue.visibilityTimeoutSeconds),
      deadLetterQueue: {
        queue: this.deadLetterQueue,
        maxReceiveCount: deliveryQueue.maxReceiveCount,
      },
    });
  }
}

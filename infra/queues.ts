/**
 * The delivery queue and its dead-letter queue, from functions/config/queues.ts: FIFO in
 * high-throughput mode (deduplication per message group, the throughput quota per group), so
 * that every attempt at one delivery is delivered once within SQS's deduplication interval;
 * SSE-KMS with the queue key, TLS-only access, and the maximum message size set explicitly,
 * because the handler's inline body limit (functions/config/limits.ts) is derived from it.
 */
import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterQueue, deliveryQueue } from '../functions/config/queues.ts';

/** The CDK spelling of a queue definition's FIFO settings. */
function fifoProps(definition: typeof deliveryQueue | typeof deadLetterQueue) {
  return {
    fifo: definition.fifo,
    deduplicationScope:
      definition.deduplicationScope === 'messageGroup'
        ? sqs.DeduplicationScope.MESSAGE_GROUP
        : sqs.DeduplicationScope.QUEUE,
    fifoThroughputLimit:
      definition.fifoThroughputLimit === 'perMessageGroupId'
        ? sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID
        : sqs.FifoThroughputLimit.PER_QUEUE,
  };
}

/**
 * The queues' logical ids, short and fixed: CloudFormation names each queue
 * `<stack>-<logical id>-<suffix>.fifo`, a FIFO queue's name may be at most 80 characters, and
 * CloudFormation has been reported not to shorten a FIFO queue's name to fit
 * (https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/280). With
 * these, a stack name of up to about 45 characters fits.
 */
export const queueLogicalIds = { queue: 'DeliveryQueue', deadLetterQueue: 'DeadLetterQueue' };

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
      ...fifoProps(deadLetterQueue),
      maxMessageSizeBytes: deadLetterQueue.maxMessageBytes,
      retentionPeriod: Duration.seconds(deadLetterQueue.retentionSeconds),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      ...encryption,
      ...fifoProps(deliveryQueue),
      maxMessageSizeBytes: deliveryQueue.maxMessageBytes,
      retentionPeriod: Duration.seconds(deliveryQueue.retentionSeconds),
      visibilityTimeout: Duration.seconds(deliveryQueue.visibilityTimeoutSeconds),
      deadLetterQueue: {
        queue: this.deadLetterQueue,
        maxReceiveCount: deliveryQueue.maxReceiveCount,
      },
    });
    const cfn = (queue: sqs.Queue) => queue.node.defaultChild as sqs.CfnQueue;
    cfn(this.queue).overrideLogicalId(queueLogicalIds.queue);
    cfn(this.deadLetterQueue).overrideLogicalId(queueLogicalIds.deadLetterQueue);
  }
}

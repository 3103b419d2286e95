/**
 * The delivery queue and its dead-letter queue, from functions/config/queues.ts: FIFO in
 * high-throughput mode (deduplication per message group, the throughput quota per group), so
 * that every attempt at one delivery is delivered once within SQS's deduplication interval;
 * SSE-KMS with the queue key, TLS-only access, and the maximum message size set explicitly,
 * because the handler's inline body limit (functions/config/limits.ts) is derived from it.
 */
import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
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
/** The delivery queue's settings an operator may tune (`deliveryQueue`), as durations. */
export interface DeliveryQueueOptions {
  /**
   * How long an unconsumed delivery stays on the queue: 2 to 14 days. The payload bucket
   * expires large bodies within it, by whole days from the next midnight UTC, hence 2.
   * @default Duration.days(14)
   */
  readonly retentionPeriod?: Duration;
  /**
   * How long a received delivery is hidden from other readers: 1 second to 12 hours, and
   * longer than the consumer function's timeout (`addConsumer` refuses one that is not).
   * @default Duration.minutes(5)
   */
  readonly visibilityTimeout?: Duration;
  /**
   * Receives before a delivery moves to the dead-letter queue, which alarms: 1 to 1,000.
   * @default 5
   */
  readonly maxReceiveCount?: number;
}

/** The delivery queue's settings as deployed. */
export interface DeliveryQueueSettings {
  readonly retentionSeconds: number;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
}

const day = 86_400;
/** SQS's ranges, the retention's lower end raised to what the payload bucket can follow. */
const ranges = {
  retentionSeconds: { min: 2 * day, max: 14 * day },
  visibilityTimeoutSeconds: { min: 1, max: 43_200 },
  maxReceiveCount: { min: 1, max: 1_000 },
} as const;

/**
 * The operator's queue settings over functions/config/queues.ts, with what is wrong with them.
 * No compliance profile bounds them: a delivery on the queue is in transit to the consumer, not
 * a copy kept (the payload-copy ceiling is the audit table's), so refusals name SQS's limits.
 * @param queueAgeAlarm the `alarms.queueAge` threshold, which must fire before deliveries expire
 */
export function resolveDeliveryQueue(
  options: DeliveryQueueOptions = {},
  queueAgeAlarm?: Duration | false,
): { readonly settings: DeliveryQueueSettings; readonly problems: readonly string[] } {
  const seconds = (duration: Duration | undefined, fallback: number) =>
    duration === undefined ? fallback : duration.toSeconds({ integral: false });
  const settings = {
    retentionSeconds: seconds(options.retentionPeriod, deliveryQueue.retentionSeconds),
    visibilityTimeoutSeconds: seconds(
      options.visibilityTimeout,
      deliveryQueue.visibilityTimeoutSeconds,
    ),
    maxReceiveCount: options.maxReceiveCount ?? deliveryQueue.maxReceiveCount,
  };
  const names = {
    retentionSeconds: 'deliveryQueue.retentionPeriod',
    visibilityTimeoutSeconds: 'deliveryQueue.visibilityTimeout',
    maxReceiveCount: 'deliveryQueue.maxReceiveCount',
  } as const;
  const problems = (Object.keys(ranges) as (keyof typeof ranges)[])
    .filter((key) => {
      const value = settings[key];
      return !Number.isInteger(value) || value < ranges[key].min || value > ranges[key].max;
    })
    .map((key) => {
      const unit = key === 'maxReceiveCount' ? '' : ' seconds';
      return `${names[key]} must be a whole number from ${ranges[key].min} to ${ranges[key].max}${unit}, got ${settings[key]}`;
    });
  if (
    queueAgeAlarm !== undefined &&
    queueAgeAlarm !== false &&
    queueAgeAlarm.toSeconds({ integral: false }) >= settings.retentionSeconds
  ) {
    problems.push(
      `alarms.queueAge (${queueAgeAlarm.toHumanString()}) must be shorter than deliveryQueue.retentionPeriod (${settings.retentionSeconds} seconds): deliveries would expire before it fires`,
    );
  }
  return { settings, problems };
}

/**
 * Days after which the payload bucket expires a body: one less than the queue keeps its
 * message, since S3 expires at the next midnight UTC after the days (functions/config/buckets.ts).
 */
export function payloadExpirationDays(retentionSeconds: number): number {
  return Math.floor(retentionSeconds / day) - 1;
}

/**
 * Keeps the payload bucket's bodies within a retention shorter than the default, which
 * functions/config/buckets.ts derives its days from: its one lifecycle rule, overridden.
 */
export function expireBodiesWithin(bucket: s3.Bucket, retentionSeconds: number): void {
  (bucket.node.defaultChild as s3.CfnBucket).addPropertyOverride(
    'LifecycleConfiguration.Rules.0.ExpirationInDays',
    payloadExpirationDays(retentionSeconds),
  );
}

export const queueLogicalIds = { queue: 'DeliveryQueue', deadLetterQueue: 'DeadLetterQueue' };

export class DeliveryQueues extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  /**
   * @param logicalIdPrefix Before each fixed logical id: the instance's name, so that several
   * instances' queues fit in one stack; `''` for the unnamed instance.
   */
  constructor(
    scope: Construct,
    id: string,
    key: kms.IKey,
    logicalIdPrefix = '',
    settings: DeliveryQueueSettings = resolveDeliveryQueue().settings,
  ) {
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
      // Declares it a dead-letter queue, which is what Control Tower's CT.SQS.PR.1 asks of a
      // queue without one of its own. SQS's default, stated: `byQueue` naming the delivery queue
      // would be a circular reference (each queue's properties naming the other's ARN), and a
      // fixed queue name to build the ARN from would replace deployed queues with their messages.
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.ALLOW_ALL },
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      ...encryption,
      ...fifoProps(deliveryQueue),
      maxMessageSizeBytes: deliveryQueue.maxMessageBytes,
      retentionPeriod: Duration.seconds(settings.retentionSeconds),
      visibilityTimeout: Duration.seconds(settings.visibilityTimeoutSeconds),
      deadLetterQueue: {
        queue: this.deadLetterQueue,
        maxReceiveCount: settings.maxReceiveCount,
      },
    });
    const cfn = (queue: sqs.Queue) => queue.node.defaultChild as sqs.CfnQueue;
    cfn(this.queue).overrideLogicalId(`${logicalIdPrefix}${queueLogicalIds.queue}`);
    cfn(this.deadLetterQueue).overrideLogicalId(
      `${logicalIdPrefix}${queueLogicalIds.deadLetterQueue}`,
    );
  }
}

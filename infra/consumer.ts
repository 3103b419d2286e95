/**
 * The wiring of a user's consumer function (consumer/, `createConsumer`) to the delivery queue:
 * the consumer table its runs are remembered in, one customer managed policy with every action
 * written out, the SQS event source mapping with partial batch responses, and the consumer's
 * alarms and dashboard row. `WebhookIngestion.addConsumer` builds it.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deliveryQueue } from '../functions/config/queues.ts';
import { consumerNameVariable, consumerTable } from '../functions/config/tables.ts';
import { consumerOutcomes, consumerTelemetry, telemetry } from '../functions/config/telemetry.ts';
import { serviceEndpoint, viaService } from './key-policies.ts';
import { definedTable } from './tables.ts';

/** What `addConsumer` takes beside the function. */
export interface AddConsumerOptions {
  /**
   * Only deliveries of these provider ids reach the function. Lambda deletes the other
   * messages from the queue without invoking it (an SQS event filter), so they are not
   * delivered anywhere else: their audit records stay, and `webhooks replay` can queue them
   * again. @default - every provider
   */
  readonly providers?: readonly string[];
  /** Only deliveries of these event types; the others are deleted, as for `providers`. @default - every event type */
  readonly eventTypes?: readonly string[];
  /** Messages per invocation, 1 to 10 (the most a FIFO queue hands over). @default 10 */
  readonly batchSize?: number;
  /** The most concurrent invocations the event source starts, 2 to 1000. @default - Lambda's, up to 1,250 */
  readonly maxConcurrency?: number;
  /** Failed messages (the function threw, or a message would not open) in five minutes. @default 1 */
  readonly failureAlarmThreshold?: number;
}

/** What the wiring reads of a deployment. */
export interface ConsumerWiringProps extends AddConsumerOptions {
  readonly queue: sqs.IQueue;
  readonly queueKey: kms.IKey;
  readonly payloadBucket: Pick<s3.IBucket, 'arnForObjects'>;
  /** The key the consumer table is encrypted with, through DynamoDB. */
  readonly tableKey: kms.IKey;
  readonly alarmTopic: sns.ITopic;
  /** The dashboard the consumer's row joins. */
  readonly dashboard: cloudwatch.Dashboard;
}

type ConsumerOutcome = (typeof consumerOutcomes)[number];

const period = Duration.minutes(5);

export class ConsumerWiring extends Construct {
  readonly table: dynamodb.Table;
  /** The function's permissions on the queue, the bodies, the table and their keys. */
  readonly policy: iam.ManagedPolicy;
  readonly eventSource: lambda.EventSourceMapping;
  readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, fn: lambda.Function, props: ConsumerWiringProps) {
    super(scope, id);
    this.table = definedTable(this, 'Table', consumerTable, props.tableKey);
    fn.addEnvironment(consumerTable.nameVariable, this.table.tableName);
    fn.addEnvironment(consumerNameVariable, this.node.path);
    if (fn.role === undefined) {
      throw new Error('addConsumer: the function has no execution role to give permissions to');
    }
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: 'A webhook-ingestion consumer: read the delivery queue and bodies, record runs',
      roles: [fn.role],
      statements: consumerStatements(this.table, props),
    });
    this.eventSource = new lambda.EventSourceMapping(this, 'EventSource', {
      target: fn,
      eventSourceArn: props.queue.queueArn,
      batchSize: props.batchSize ?? 10,
      reportBatchItemFailures: true,
      ...(props.maxConcurrency === undefined ? {} : { maxConcurrency: props.maxConcurrency }),
      ...eventFilter(props),
    });
    // The mapping checks its permissions when it is created: it must come after the policy.
    this.eventSource.node.addDependency(this.policy);

    const count = (outcome: ConsumerOutcome) => outcomeMetric(fn, outcome);
    this.alarms = [
      new cloudwatch.Alarm(this, 'Failures', {
        alarmDescription:
          "The consumer failed deliveries: its function threw, or a message would not open (its body object missing or altered). Each is retried after the queue's visibility timeout and, after 5 receives, moved to the dead-letter queue. First check: the function's log, one line per message with the error.",
        metric: count('failed'),
        threshold: props.failureAlarmThreshold ?? 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'InvocationErrors', {
        alarmDescription:
          "The consumer's function crashed or timed out: the whole batch returns to the queue, and each delivery whose run never completed runs again after its deadline. First check: the function's log for a timeout or an error before the handler ran, and its timeout against a full batch.",
        metric: fn.metricErrors({ statistic: cloudwatch.Stats.SUM, period }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
    const notify = new actions.SnsAction(props.alarmTopic);
    for (const alarm of this.alarms) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }
    props.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Consumer outcomes',
        left: consumerOutcomes.map(count),
        leftYAxis: { min: 0, showUnits: false },
        stacked: true,
        width: 10,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Consumer invocations',
        left: [
          fn.metricInvocations({ statistic: cloudwatch.Stats.SUM, period }),
          fn.metricErrors({ statistic: cloudwatch.Stats.SUM, period }),
          fn.metricThrottles({ statistic: cloudwatch.Stats.SUM, period }),
        ],
        leftYAxis: { min: 0, showUnits: false },
        width: 8,
        height: 6,
      }),
      new cloudwatch.AlarmStatusWidget({
        title: 'Consumer alarms',
        alarms: [...this.alarms],
        width: 6,
        height: 6,
      }),
    );
  }
}

/**
 * Refuses what would fail at deploy time or break the once-only run: SQS requires the queue's
 * visibility timeout to cover the function's, and a FIFO source hands over at most 10.
 */
export function checkConsumerFits(
  fn: lambda.Function,
  props: AddConsumerOptions,
  visibilityTimeoutSeconds: number = deliveryQueue.visibilityTimeoutSeconds,
): void {
  const timeout = fn.timeout?.toSeconds() ?? 3;
  // Strictly below: a run's in-progress record lasts the function's remaining time, and a copy
  // handed over again exactly as it ends would find it still in progress and use up a receive.
  // Against the deployed queue's value: the construct's `deliveryQueue.visibilityTimeout`.
  if (timeout >= visibilityTimeoutSeconds) {
    throw new Error(
      `addConsumer: the function's timeout (${timeout} s) must be shorter than the delivery queue's visibility timeout (${visibilityTimeoutSeconds} s), which deliveryQueue.visibilityTimeout sets`,
    );
  }
  const batchSize = props.batchSize ?? 10;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10) {
    throw new Error(`addConsumer: batchSize must be 1 to 10 for a FIFO queue, not ${batchSize}`);
  }
  const { maxConcurrency } = props;
  if (
    maxConcurrency !== undefined &&
    (!Number.isInteger(maxConcurrency) || maxConcurrency < 2 || maxConcurrency > 1000)
  ) {
    throw new Error(`addConsumer: maxConcurrency must be 2 to 1000, not ${maxConcurrency}`);
  }
  for (const [name, values] of [
    ['providers', props.providers],
    ['eventTypes', props.eventTypes],
  ] as const) {
    if (values !== undefined && values.length === 0) {
      throw new Error(`addConsumer: ${name} is empty: leave it out to take every one`);
    }
  }
}

/** What reading the delivery queue takes: `addConsumer`'s wiring and `grantConsumeDeliveries`. */
export const receiveDeliveryActions = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueAttributes',
] as const;

/** Every action the consumer needs, on exactly its resources. */
function consumerStatements(table: dynamodb.Table, props: ConsumerWiringProps) {
  return [
    new iam.PolicyStatement({
      sid: 'ReceiveDeliveries',
      actions: [...receiveDeliveryActions],
      resources: [props.queue.queueArn],
    }),
    new iam.PolicyStatement({
      sid: 'ReadLargeBodies',
      actions: ['s3:GetObject'],
      resources: [props.payloadBucket.arnForObjects('*')],
    }),
    // Messages and body objects are under the queue key: decrypted by SQS and S3 for the
    // function, never by the function's own code.
    new iam.PolicyStatement({
      sid: 'DecryptDeliveries',
      actions: ['kms:Decrypt'],
      resources: [props.queueKey.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': [serviceEndpoint('sqs'), serviceEndpoint('s3')] },
      },
    }),
    new iam.PolicyStatement({
      sid: 'RecordRuns',
      actions: [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
      ],
      resources: [table.tableArn],
    }),
    // The table's key is the audit key: through DynamoDB only, so that the user's code gets no
    // use of it of its own (its key policy allows audit readers more).
    new iam.PolicyStatement({
      sid: 'RecordRunsEncrypted',
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      resources: [props.tableKey.keyArn],
      conditions: { StringEquals: viaService('dynamodb') },
    }),
  ];
}

/**
 * The SQS event filter for `providers` and `eventTypes`: it matches the envelope's top-level
 * fields (functions/queue/envelope.ts), which is the message body.
 */
function eventFilter(props: AddConsumerOptions): Pick<lambda.EventSourceMappingProps, 'filters'> {
  const body: Record<string, unknown> = {};
  if (props.providers !== undefined) {
    body.providerId = lambda.FilterRule.or(...props.providers);
  }
  if (props.eventTypes !== undefined) {
    body.eventType = lambda.FilterRule.or(...props.eventTypes);
  }
  return Object.keys(body).length === 0
    ? {}
    : { filters: [lambda.FilterCriteria.filter({ body })] };
}

/** The count of one outcome the consumer publishes (consumer/outcome-metrics.ts). */
function outcomeMetric(fn: lambda.IFunction, outcome: ConsumerOutcome): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: telemetry.metricsNamespace,
    metricName: outcome,
    dimensionsMap: {
      service: consumerTelemetry.serviceName,
      [consumerTelemetry.functionDimension]: fn.functionName,
    },
    statistic: cloudwatch.Stats.SUM,
    period,
    label: outcome,
  });
}

/**
 * The alarms of the ingest path. Each notifies the SNS topic when it goes into ALARM and when
 * it recovers, so that the on-call person also learns when a problem has cleared.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { providerKeysRejected } from '../../functions/ingest/decision.ts';
import type { FrontMetrics } from './front-metrics.ts';
import { countPeriod, outcomeQuery } from './handler-metrics.ts';
import { wafMetric } from './waf-metrics.ts';

/** When the alarms fire. Counts are per five minutes. */
export interface IngestAlarmThresholds {
  /**
   * Rejections of one provider in five minutes (a wrong secret after a rotation, a forger, or
   * someone probing unregistered ids, which count under the provider `unknown`).
   * @default 50
   */
  readonly rejectionsPerProvider?: number;
  /**
   * The age of the oldest message on the delivery queue: the consumer has stalled.
   * @default Duration.hours(1)
   */
  readonly queueAge?: Duration;
  /**
   * Lambda errors: crashes and timeouts, since the handler answers its own failures with 500.
   * @default 1
   */
  readonly lambdaErrors?: number;
  /** The share of API requests answered 5xx, in percent. @default 5 */
  readonly serverErrorPercent?: number;
  /** Requests the web ACL blocked. @default 100 */
  readonly wafBlockedRequests?: number;
}

export interface IngestAlarmsProps {
  readonly ingestFunction: lambda.IFunction;
  readonly api: FrontMetrics;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly alarmTopic: sns.ITopic;
  /** @default - no WAF alarm */
  readonly webAclName?: string;
  /** @default - the defaults of each threshold */
  readonly thresholds?: IngestAlarmThresholds;
}

const period = countPeriod;

/** The ingest path's alarms, all notifying `alarmTopic`. */
export class IngestAlarms extends Construct {
  readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: IngestAlarmsProps) {
    super(scope, id);
    const thresholds = props.thresholds ?? {};
    const alarms = [
      this.rejectionSpike(thresholds.rejectionsPerProvider ?? 50),
      this.deadLetters(props.deadLetterQueue),
      this.queueAge(props.queue, thresholds.queueAge ?? Duration.hours(1)),
      this.lambdaErrors(props.ingestFunction, thresholds.lambdaErrors ?? 1),
      this.serverErrorRate(props.api, thresholds.serverErrorPercent ?? 5),
      this.claimNotReleased(),
      this.providerKeysRejected(),
    ];
    if (props.webAclName !== undefined) {
      alarms.push(this.wafBlockSpike(props.webAclName, thresholds.wafBlockedRequests ?? 100));
    }
    const notify = new actions.SnsAction(props.alarmTopic);
    for (const alarm of alarms) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }
    this.alarms = alarms;
  }

  /**
   * One alarm, one contributor per provider: a Metrics Insights query with GROUP BY and
   * ORDER BY is a multi-time-series alarm, whose time series each have their own state and
   * send their own notification (CloudWatch user guide, "Create a CloudWatch alarm based on a
   * Metrics Insights query" and "Acting on alarm changes"). A provider registered after the
   * deployment joins when it first publishes.
   */
  private rejectionSpike(threshold: number): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, 'RejectionSpike', {
      alarmDescription: `A provider had at least ${threshold} rejected deliveries in 5 minutes. The contributor names the provider; the dashboard's rejection reasons and the saved query "Rejections by provider and reason" say why.`,
      metric: new cloudwatch.MathExpression({
        expression: outcomeQuery('rejected', ['provider']),
        label: 'rejected per provider',
        period,
      }),
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /**
   * The one way a delivery can be lost (docs/architecture.md, "What a retry can cause"): a send
   * that failed, or a claim whose answer was lost, and then a release that failed too. The
   * delivery's item reads as accepted though nothing was queued: any one case pages.
   */
  private claimNotReleased(): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, 'ClaimNotReleased', {
      alarmDescription:
        "A delivery was answered 503 with its claim left in place: nothing was queued, yet its audit item reads as accepted and the provider's retries will be answered 200 duplicate. The contributor names the provider; find the delivery ids in the logs (reason claim_not_released), check each with `webhooks audit show`, and send it again with `webhooks replay` if its payload copy is kept, or ask the provider to resend it.",
      metric: new cloudwatch.MathExpression({
        expression: outcomeQuery('unavailable', ['provider'], 'claim_not_released'),
        label: 'claims not released per provider',
        period,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /**
   * A provider's keys no longer open under the settings its registry item holds
   * (functions/registry/key-binding.ts): someone changed the item without KMS, or its keys
   * predate binding. Its deliveries are answered 503 and retried by the provider meanwhile.
   */
  private providerKeysRejected(): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, 'ProviderKeysRejected', {
      alarmDescription:
        "A provider's keys would not decrypt under the settings its registry item holds: the item was changed without KMS (scheme, key kind, options, tolerance, dedup window, retention, redaction or subject path), or its keys predate settings binding. Its deliveries are answered 503 and the provider retries them. The contributor names the provider: compare `webhooks providers show <id>` with what was registered. Keys registered before settings binding are bound with `webhooks providers bind <id>`; a provider whose item was changed is added again (remove, then add) or its item restored.",
      metric: new cloudwatch.MathExpression({
        expression: outcomeQuery('unavailable', ['provider'], providerKeysRejected),
        label: 'provider keys rejected per provider',
        period,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  private deadLetters(deadLetterQueue: sqs.IQueue): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, 'DeadLetters', {
      alarmDescription:
        'Deliveries reached the dead-letter queue after the consumer failed them repeatedly. Inspect and redrive them.',
      metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        statistic: cloudwatch.Stats.MAXIMUM,
        period,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  private queueAge(queue: sqs.IQueue, maxAge: Duration): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, 'QueueAge', {
      alarmDescription: `The oldest delivery on the queue is older than ${maxAge.toHumanString()}: the consumer is stalled or too slow. Messages expire after the queue's retention.`,
      metric: queue.metricApproximateAgeOfOldestMessage({
        statistic: cloudwatch.Stats.MAXIMUM,
        period,
      }),
      threshold: maxAge.toSeconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  private lambdaErrors(ingestFunction: lambda.IFunction, threshold: number): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, 'LambdaErrors', {
      alarmDescription:
        'The ingest Lambda crashed or timed out. The handler answers the errors it catches with 500 itself, so this counts only what escaped it; providers received a 5xx and will retry.',
      metric: ingestFunction.metricErrors({ statistic: cloudwatch.Stats.SUM, period }),
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** Two breaching periods of three, so that one failed request at night does not page. */
  private serverErrorRate(api: FrontMetrics, percent: number): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, 'ServerErrorRate', {
      alarmDescription: `More than ${percent}% of webhook requests were answered 5xx (503 when KMS, DynamoDB or SQS failed; 500 on a handler error). The dashboard's dependency failures graph names the dependency.`,
      metric: new cloudwatch.MathExpression({
        expression: 'IF(requests > 0, 100 * errors / requests, 0)',
        usingMetrics: {
          errors: api.metricServerError({ statistic: cloudwatch.Stats.SUM }),
          requests: api.metricCount({ statistic: cloudwatch.Stats.SUM }),
        },
        label: '5xx rate (%)',
        period,
      }),
      threshold: percent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  private wafBlockSpike(webAclName: string, threshold: number): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, 'WafBlockSpike', {
      alarmDescription: `The web ACL blocked at least ${threshold} requests in 5 minutes: a flood, or a rule blocking a provider. Sampled requests are in the WAF console.`,
      metric: wafMetric(this, webAclName, 'BlockedRequests'),
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}

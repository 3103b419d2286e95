/**
 * The alarms of the ingest path. Each notifies the SNS topic when it goes into ALARM and when
 * it recovers, so that the on-call person also learns when a problem has cleared. Each
 * description says what the alarm means and the first thing to check (runbook.ts);
 * docs/operations.md lists them all, with their thresholds and props.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deadLetterQueue, deliveryQueue } from '../../functions/config/queues.ts';
import { providerKeysRejected } from '../../functions/ingest/decision.ts';
import { unalarmedCountOnlyRules } from '../waf.ts';
import {
  alarmDefaults,
  assertAlarmThresholds,
  type IngestAlarmThresholds,
} from './alarm-thresholds.ts';
import { concurrencyNearLimit, lambdaThrottles } from './capacity-alarms.ts';
import type { FrontMetrics } from './front-metrics.ts';
import { countPeriod, outcomeQuery } from './handler-metrics.ts';
import { quietProviderAlarms } from './quiet-providers.ts';
import { runbook } from './runbook.ts';
import { countedMatchesQuery, wafMetric } from './waf-metrics.ts';

export type { IngestAlarmThresholds, QuietProvider } from './alarm-thresholds.ts';

export interface IngestAlarmsProps {
  readonly ingestFunction: lambda.IFunction;
  readonly api: FrontMetrics;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly alarmTopic: sns.ITopic;
  /** @default - no WAF alarms */
  readonly webAclName?: string;
  /**
   * The ingest function's reserved concurrency, which ConcurrencyNearLimit measures against.
   * @default - none: ConcurrencyNearLimit measures the account's quota
   */
  readonly reservedConcurrency?: number;
  /** @default - the defaults of each threshold (alarmDefaults) */
  readonly thresholds?: IngestAlarmThresholds;
  /** The instance's EMF namespace (infra/outputs.ts). @default - the unnamed instance's */
  readonly metricsNamespace?: string;
}

const period = countPeriod;

/** The 503 reasons with an alarm of their own, which DependencyFailures leaves to them. */
const reasonsAlarmedApart = ['claim_not_released', providerKeysRejected] as const;

/** The ingest path's alarms, all notifying `alarmTopic`. */
export class IngestAlarms extends Construct {
  readonly alarms: readonly cloudwatch.Alarm[];
  /** Where the handler counts, which the alarms on its counts query. */
  readonly #namespace: string | undefined;

  constructor(scope: Construct, id: string, props: IngestAlarmsProps) {
    super(scope, id);
    this.#namespace = props.metricsNamespace;
    const thresholds = props.thresholds ?? {};
    assertAlarmThresholds(thresholds);
    /** The threshold asked for, else its default; `undefined` when turned off. */
    const chosen = <T>(value: T | false | undefined, fallback: T): T | undefined =>
      value === false ? undefined : (value ?? fallback);
    const when = <T>(value: T | undefined, alarm: (value: T) => cloudwatch.Alarm) =>
      value === undefined ? [] : [alarm(value)];
    const concurrency = {
      ingestFunction: props.ingestFunction,
      ...(props.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrency: props.reservedConcurrency }),
    };
    const wafBlocks = chosen(thresholds.wafBlockedRequests, alarmDefaults.wafBlockedRequests);
    const wafCounts = chosen(thresholds.wafCountedRequests, alarmDefaults.wafCountedRequests);
    const alarms = [
      ...when(chosen(thresholds.rejectionsPerProvider, alarmDefaults.rejectionsPerProvider), (t) =>
        this.rejectionSpike(t),
      ),
      this.deadLetters(props.deadLetterQueue),
      ...when(chosen(thresholds.queueAge, alarmDefaults.queueAge), (age) =>
        this.queueAge(props.queue, age),
      ),
      ...when(chosen(thresholds.lambdaErrors, alarmDefaults.lambdaErrors), (t) =>
        this.lambdaErrors(props.ingestFunction, t),
      ),
      ...when(chosen(thresholds.lambdaThrottles, alarmDefaults.lambdaThrottles), (t) =>
        lambdaThrottles(this, concurrency, t),
      ),
      ...when(chosen(thresholds.concurrencyPercent, alarmDefaults.concurrencyPercent), (percent) =>
        concurrencyNearLimit(this, concurrency, percent),
      ),
      ...when(chosen(thresholds.dependencyFailures, alarmDefaults.dependencyFailures), (t) =>
        this.dependencyFailures(t),
      ),
      ...when(chosen(thresholds.serverErrorPercent, alarmDefaults.serverErrorPercent), (percent) =>
        this.serverErrorRate(props.api, percent),
      ),
      this.claimNotReleased(),
      this.providerKeysRejected(),
      // Off where it does not apply: without a web ACL there is nothing to block.
      ...(props.webAclName === undefined || wafBlocks === undefined
        ? []
        : [this.wafBlockSpike(props.webAclName, wafBlocks)]),
      ...(props.webAclName === undefined || wafCounts === undefined
        ? []
        : [this.wafCountedMatches(props.webAclName, wafCounts)]),
      ...quietProviderAlarms(this, thresholds.quietProviders ?? [], props.metricsNamespace),
    ];
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
      alarmDescription: runbook(
        `A provider had at least ${threshold} deliveries rejected (401) in 5 minutes: a secret that no longer matches after a rotation, a forger, or someone probing unregistered ids (counted under the provider \`unknown\`). The contributor names the provider.`,
        'the dashboard\'s "Rejection reasons" and the saved query "Rejections by provider and reason". signature_mismatch from the real provider means it signs with a key that is not registered: compare `webhooks providers show <id>` with its settings, then `webhooks providers rotate`. Probes of unknown ids need nothing, or a WAF.',
      ),
      metric: new cloudwatch.MathExpression({
        expression: outcomeQuery('rejected', ['provider'], undefined, this.#namespace),
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
      alarmDescription: runbook(
        "A delivery was answered 503 with its claim left in place: nothing was queued, yet its audit item reads as accepted and the provider's retries will be answered 200 duplicate. The contributor names the provider.",
        'the delivery ids in the logs (reason claim_not_released); check each with `webhooks audit show`, and send it again with `webhooks replay` if its payload copy is kept, or ask the provider to resend it.',
      ),
      metric: new cloudwatch.MathExpression({
        expression: outcomeQuery(
          'unavailable',
          ['provider'],
          'claim_not_released',
          this.#namespace,
        ),
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
      alarmDescription: runbook(
        "A provider's keys would not decrypt under the settings its registry item holds: the item was changed without KMS (scheme, key kind, options, tolerance, dedup window, retention, redaction or subject path), or its keys predate settings binding. Its deliveries are answered 503 and the provider retries them. The contributor names the provider.",
        'compare `webhooks providers show <id>` with what was registered. Keys registered before settings binding are bound with `webhooks providers bind <id>`; a provider whose item was changed is added again (remove, then add) or its item restored.',
      ),
      metric: new cloudwatch.MathExpression({
        expression: outcomeQuery(
          'unavailable',
          ['provider'],
          providerKeysRejected,
          this.#namespace,
        ),
        label: 'provider keys rejected per provider',
        period,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /**
   * Every other 503 by reason (functions/ingest/decision.ts, `failureReason`): written as the
   * reasons alarmed apart left out, so that a reason added later is alarmed on rather than
   * missed. One contributor per reason, so the notification names the dependency.
   */
  private dependencyFailures(threshold: number): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, 'DependencyFailures', {
      alarmDescription: runbook(
        `At least ${threshold} deliveries in 5 minutes were answered 503 for one reason: KMS, DynamoDB, SQS or S3 failed (kms_unavailable…), timed out (…_timeout) or used up the delivery's time (…deadline_exceeded), or a provider's registry item is malformed (provider_item_malformed). The contributor names the reason; providers retry.`,
        'the AWS Health Dashboard for the service the reason names, then the saved query "Dependency failures (503) by reason" and the dashboard\'s DynamoDB errors. Timeouts with VPC placement: its endpoints. provider_item_malformed: `webhooks providers show` the provider its log lines name.',
      ),
      metric: new cloudwatch.MathExpression({
        expression: outcomeQuery(
          'unavailable',
          ['reason'],
          { except: reasonsAlarmedApart },
          this.#namespace,
        ),
        label: '503 per reason',
        period,
      }),
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  private deadLetters(queue: sqs.IQueue): cloudwatch.Alarm {
    const days = deadLetterQueue.retentionSeconds / 86_400;
    return new cloudwatch.Alarm(this, 'DeadLetters', {
      alarmDescription: runbook(
        `Deliveries reached the dead-letter queue: the consumer failed each of them ${deliveryQueue.maxReceiveCount} times. They expire from it ${days} days after they arrived.`,
        "the consumer function's log and its Failures alarm for the error. Once it is fixed, move the messages back to the delivery queue: SQS console, Start DLQ redrive, or `aws sqs start-message-move-task --source-arn <dead-letter queue ARN>`.",
      ),
      metric: queue.metricApproximateNumberOfMessagesVisible({
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
    const days = deliveryQueue.retentionSeconds / 86_400;
    return new cloudwatch.Alarm(this, 'QueueAge', {
      alarmDescription: runbook(
        `The oldest delivery on the queue is older than ${maxAge.toHumanString()}: the consumer is stopped, failing, or slower than deliveries arrive. Messages expire after the queue's retention (${days} days).`,
        "the consumer's Failures and InvocationErrors alarms, its log, and its event source mapping (enabled, throttled); without addConsumer, whatever reads the queue.",
      ),
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
      alarmDescription: runbook(
        'The ingest Lambda crashed or timed out. The handler answers the errors it catches with 503 or 500 itself, so this counts only what escaped it; providers received a 5xx and will retry.',
        'the function\'s log for "Task timed out" or an uncaught error, and the saved query "Handler errors (500) and unreadable events (400)"; a deployment just before is the usual cause.',
      ),
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
      alarmDescription: runbook(
        `More than ${percent}% of webhook requests were answered 5xx (503 when KMS, DynamoDB, SQS or S3 failed; 500 on a handler error) in 2 of the last 3 five-minute periods.`,
        'the dashboard\'s "Dependency failures answered 503" graph, which names the dependency, and the DependencyFailures and LambdaErrors alarms.',
      ),
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
      alarmDescription: runbook(
        `The web ACL blocked at least ${threshold} requests in 5 minutes: a flood, or a rule blocking a provider.`,
        "the WAF console's sampled requests and the web ACL's log (terminatingRuleId, source address). A provider blocked by the rate rule needs a higher wafRateLimitPerFiveMinutes.",
      ),
      metric: wafMetric(this, webAclName, 'BlockedRequests'),
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /**
   * A count-only rule of the web ACL matched (infra/waf.ts): the request was seen, not stopped,
   * and reached the Lambda, which judged its signature. One contributor per rule, each with its
   * own state, so a rule matching one provider's ordinary traffic does not hide another rule's
   * first match. Over an hour, so that one probe's burst notifies once; at one match by default,
   * since on signed webhook traffic a body rule rarely matches and each match is either an attack
   * the signature check refused or a provider's content worth knowing of.
   */
  private wafCountedMatches(webAclName: string, threshold: number): cloudwatch.Alarm {
    const matched = threshold === 1 ? 'a request' : `at least ${threshold} requests`;
    return new cloudwatch.Alarm(this, 'WafCountedMatches', {
      alarmDescription: runbook(
        `A rule of the web ACL that only counts (a body rule, NoUserAgent_HEADER) matched ${matched} in an hour. WAF did not stop it, and the Lambda judged its signature: either an attack, which that check refuses (401), or a provider's ordinary content. The contributor names the rule.`,
        "that rule's sampled requests in the WAF console, or the web ACL's log group (aws-waf-logs-…, ruleGroupList[].nonTerminatingMatchingRules): source address, path and matched part, credential headers redacted. Then `webhooks audit list --provider <id>` at that time: rejected means the attempt was refused; accepted means a real delivery matched, so record it, and raise alarms.wafCountedRequests if that provider's events keep matching.",
      ),
      metric: new cloudwatch.MathExpression({
        expression: countedMatchesQuery(webAclName, unalarmedCountOnlyRules()),
        label: 'counted matches per rule',
        period: Duration.hours(1),
      }),
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}

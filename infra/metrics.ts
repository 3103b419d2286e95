/**
 * The figures of the construct's dashboard as metrics a user's app can alarm on or graph
 * (`WebhookIngestion.metricAccepted()` and its siblings), built from the definitions the
 * dashboard and the alarms use (infra/observability/handler-metrics.ts): the same query, the
 * same statistic, the same five-minute period.
 */
import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IngestOutcome } from '../functions/ingest/ingest.ts';
import {
  countLabels,
  countPeriod,
  type HandlerDimension,
  outcomeQuery,
} from './observability/handler-metrics.ts';

/** How to read one of the ingest handler's counts. */
export interface OutcomeMetricOptions {
  /**
   * One time series per value of these dimensions, as the dashboard's per-provider graphs
   * draw; an alarm on it is a multi-time-series alarm, one state per provider (or reason).
   * @default - one series: every provider and reason summed
   */
  readonly groupBy?: readonly HandlerDimension[];
  /** @default - the count's legend on the dashboard; with `groupBy`, each series' values */
  readonly label?: string;
  /** @default Duration.minutes(5) */
  readonly period?: Duration;
}

/**
 * One outcome the ingest handler counts, as a Metrics Insights query: an alarm can take it (a
 * SEARCH expression, which the dashboard's "every outcome" graph uses, it cannot), and a graph
 * can hold one such query. `namespace` is the instance's (infra/outputs.ts `instanceNames`), so
 * two instances in one account and Region count apart.
 */
export function outcomeMetric(
  outcome: IngestOutcome,
  options: OutcomeMetricOptions = {},
  namespace?: string,
): cloudwatch.MathExpression {
  const groupBy = options.groupBy ?? [];
  return new cloudwatch.MathExpression({
    expression: outcomeQuery(outcome, groupBy, undefined, namespace),
    // An empty label leaves each series named by its group values, as on the dashboard.
    label: options.label ?? (groupBy.length === 0 ? countLabels[outcome] : ''),
    period: options.period ?? countPeriod,
  });
}

/** What the dashboard draws of a queue, and the alarms watch: its maximum in each period. */
export type QueueFigure = 'visibleMessages' | 'oldestMessageAge';

/** One figure of `queue`, the maximum over five minutes unless `props` says otherwise. */
export function queueMetric(
  queue: sqs.IQueue,
  figure: QueueFigure,
  props: cloudwatch.MetricOptions = {},
): cloudwatch.Metric {
  const options = { statistic: cloudwatch.Stats.MAXIMUM, period: countPeriod, ...props };
  return figure === 'visibleMessages'
    ? queue.metricApproximateNumberOfMessagesVisible(options)
    : queue.metricApproximateAgeOfOldestMessage(options);
}

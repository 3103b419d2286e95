/**
 * The audit dashboard's widgets, one row per question: who sent what, why deliveries fail,
 * which senders the source allowlists kept out, how fast the path is, whether the Lambda and the
 * queue keep up, which dependency fails, what the WAF blocks and counts, and the latest rejected
 * attempts. A graph holds at most one Metrics Insights query (one per GetMetricData call), so
 * each per-provider view is its own widget.
 */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { sourceNotAllowed } from '../../functions/ingest/refusals.ts';
import { latestRejections } from './audit-queries.ts';
import type { FrontMetrics } from './front-metrics.ts';
import {
  countLabels,
  countPeriod,
  countTotal,
  type HandlerCount,
  outcomeByDimension,
  outcomeQuery,
} from './handler-metrics.ts';
import { countedMatchesQuery, wafMetric } from './waf-metrics.ts';

/** What the dashboard reads of a DynamoDB table: its name, for the AWS/DynamoDB metrics. */
export type TableMetrics = Pick<dynamodb.ITable, 'tableName'>;

export interface DashboardSources {
  readonly ingestFunction: lambda.IFunction;
  readonly ingestLogGroup: logs.ILogGroup;
  readonly api: FrontMetrics;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly tables: readonly TableMetrics[];
  readonly alarms: readonly cloudwatch.IAlarm[];
  /** @default - no WAF row */
  readonly webAclName?: string;
  /** The instance's EMF namespace (infra/outputs.ts). @default - the unnamed instance's */
  readonly metricsNamespace?: string;
}

const third = { width: 8, height: 6 } as const;
const half = { width: 12, height: 6 } as const;

/** The dashboard's rows, top to bottom. */
export function dashboardRows(
  scope: IConstruct,
  sources: DashboardSources,
): cloudwatch.IWidget[][] {
  const rows = [
    [
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: [...sources.alarms],
        sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
        width: 24,
        height: 3,
      }),
    ],
    deliveriesPerProvider(sources.metricsNamespace),
    whyDeliveriesFail(sources.metricsNamespace),
    refusedBySource(sources.metricsNamespace),
    latency(sources.api, sources.ingestFunction),
    lambdaAndRequests(sources.api, sources.ingestFunction),
    queues(sources.queue, sources.deadLetterQueue),
    dependencies(sources.tables, sources.metricsNamespace),
  ];
  if (sources.webAclName !== undefined) rows.push(waf(scope, sources.webAclName));
  rows.push([
    new cloudwatch.LogQueryWidget({
      title: 'Latest rejected attempts (no payloads: ids, reasons and status codes only)',
      logGroupNames: [sources.ingestLogGroup.logGroupName],
      queryString: latestRejections.toString(),
      view: cloudwatch.LogQueryVisualizationType.TABLE,
      width: 24,
      height: 8,
    }),
  ]);
  return rows;
}

function countGraph(
  title: string,
  series: cloudwatch.IMetric[],
  extra: Partial<cloudwatch.GraphWidgetProps> = {},
): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({
    title,
    left: series,
    leftYAxis: { min: 0, showUnits: false },
    statistic: cloudwatch.Stats.SUM,
    period: countPeriod,
    ...third,
    ...extra,
  });
}

function deliveriesPerProvider(namespace?: string): cloudwatch.IWidget[] {
  return [
    countGraph('Accepted per provider', [outcomeByDimension('accepted', ['provider'], namespace)]),
    countGraph('Rejected per provider', [outcomeByDimension('rejected', ['provider'], namespace)]),
    countGraph('Duplicates per provider', [
      outcomeByDimension('duplicate', ['provider'], namespace),
    ]),
  ];
}

function whyDeliveriesFail(namespace?: string): cloudwatch.IWidget[] {
  const counts = Object.keys(countLabels) as HandlerCount[];
  return [
    countGraph('Rejection reasons', [outcomeByDimension('rejected', ['reason'], namespace)], {
      stacked: true,
    }),
    countGraph(
      'Rejections per provider and reason (time range total)',
      [outcomeByDimension('rejected', ['provider', 'reason'], namespace)],
      { view: cloudwatch.GraphWidgetView.BAR, setPeriodToTimeRange: true },
    ),
    countGraph(
      'Every outcome, all providers',
      counts.map((count) => countTotal(count, namespace)),
    ),
  ];
}

/** Deliveries a provider's source allowlist refused, before their signatures were checked. */
function refusedBySource(namespace?: string): cloudwatch.IWidget[] {
  const perProvider = new cloudwatch.MathExpression({
    expression: outcomeQuery('rejected', ['provider'], sourceNotAllowed, namespace),
    label: '',
    period: countPeriod,
  });
  return [countGraph('Refused by source allowlist, per provider', [perProvider], { width: 24 })];
}

function latency(api: FrontMetrics, ingestFunction: lambda.IFunction): cloudwatch.IWidget[] {
  const percentiles = [cloudwatch.Stats.p(50), cloudwatch.Stats.p(99)];
  return [
    new cloudwatch.GraphWidget({
      title: `${api.frontLabel ?? 'API Gateway'} latency p50 / p99 (ms)`,
      left: percentiles.flatMap((statistic) => [
        api.metricLatency({ statistic, label: `Latency ${statistic}` }),
        ...(api.metricIntegrationLatency === undefined
          ? []
          : [
              api.metricIntegrationLatency({ statistic, label: `IntegrationLatency ${statistic}` }),
            ]),
      ]),
      leftYAxis: { min: 0, showUnits: false },
      ...half,
    }),
    new cloudwatch.GraphWidget({
      title: 'Lambda duration p50 / p99 (ms)',
      left: percentiles.map((statistic) =>
        ingestFunction.metricDuration({ statistic, label: `Duration ${statistic}` }),
      ),
      leftYAxis: { min: 0, showUnits: false },
      ...half,
    }),
  ];
}

function lambdaAndRequests(
  api: FrontMetrics,
  ingestFunction: lambda.IFunction,
): cloudwatch.IWidget[] {
  const sum = { statistic: cloudwatch.Stats.SUM, period: countPeriod };
  return [
    countGraph('Lambda errors and throttles', [
      ingestFunction.metricErrors({ ...sum, label: 'Errors' }),
      ingestFunction.metricThrottles({ ...sum, label: 'Throttles' }),
    ]),
    new cloudwatch.GraphWidget({
      title: 'Lambda concurrency (max)',
      left: [
        ingestFunction.metric('ConcurrentExecutions', {
          statistic: cloudwatch.Stats.MAXIMUM,
          label: 'ConcurrentExecutions',
        }),
      ],
      leftYAxis: { min: 0, showUnits: false },
      ...third,
    }),
    countGraph(`${api.frontLabel === undefined ? 'API' : api.frontLabel} requests and errors`, [
      api.metricCount({ ...sum, label: 'Requests' }),
      api.metricClientError({ ...sum, label: '4XXError' }),
      api.metricServerError({ ...sum, label: '5XXError' }),
    ]),
  ];
}

function queues(queue: sqs.IQueue, deadLetterQueue: sqs.IQueue): cloudwatch.IWidget[] {
  const max = { statistic: cloudwatch.Stats.MAXIMUM, period: countPeriod };
  return [
    new cloudwatch.GraphWidget({
      title: 'Delivery queue depth',
      left: [
        queue.metricApproximateNumberOfMessagesVisible({ ...max, label: 'visible' }),
        queue.metricApproximateNumberOfMessagesNotVisible({ ...max, label: 'in flight' }),
      ],
      leftYAxis: { min: 0, showUnits: false },
      ...third,
    }),
    new cloudwatch.GraphWidget({
      title: 'Age of the oldest delivery (s)',
      left: [queue.metricApproximateAgeOfOldestMessage({ ...max, label: 'oldest message' })],
      leftYAxis: { min: 0, showUnits: false },
      ...third,
    }),
    new cloudwatch.GraphWidget({
      title: 'Dead-letter queue depth',
      left: [deadLetterQueue.metricApproximateNumberOfMessagesVisible({ ...max, label: 'DLQ' })],
      leftYAxis: { min: 0, showUnits: false },
      ...third,
    }),
  ];
}

function dependencies(tables: readonly TableMetrics[], namespace?: string): cloudwatch.IWidget[] {
  const sum = { statistic: cloudwatch.Stats.SUM, period: countPeriod };
  return [
    countGraph(
      'Dependency failures answered 503 (KMS, DynamoDB, SQS), by reason',
      [outcomeByDimension('unavailable', ['reason'], namespace)],
      half,
    ),
    countGraph(
      'DynamoDB errors',
      [
        ...tables.flatMap(({ tableName }) => [
          tableErrors(tableName, 'SystemErrors'),
          tableErrors(tableName, 'ThrottledRequests'),
        ]),
        // UserErrors has no table dimension: it counts every table of the account and Region.
        new cloudwatch.Metric({
          namespace: 'AWS/DynamoDB',
          metricName: 'UserErrors',
          ...sum,
          label: 'UserErrors (account and Region)',
        }),
      ],
      half,
    ),
  ];
}

/**
 * One table's errors summed over every operation. A SEARCH rather than CDK's
 * `metricSystemErrorsForOperations`: that one names its per-operation metrics `getitem`,
 * `putitem`…, and two tables in one graph would collide on those ids.
 */
function tableErrors(
  tableName: string,
  metricName: 'SystemErrors' | 'ThrottledRequests',
): cloudwatch.MathExpression {
  const search = `{AWS/DynamoDB,Operation,TableName} MetricName="${metricName}" TableName="${tableName}"`;
  return new cloudwatch.MathExpression({
    expression: `SUM(SEARCH('${search}', 'Sum', ${countPeriod.toSeconds()}))`,
    label: `${tableName} ${metricName}`,
    period: countPeriod,
  });
}

function waf(scope: IConstruct, webAclName: string): cloudwatch.IWidget[] {
  return [
    countGraph(
      'WAF requests',
      [
        wafMetric(scope, webAclName, 'BlockedRequests').with({ label: 'blocked' }),
        wafMetric(scope, webAclName, 'AllowedRequests').with({ label: 'allowed' }),
      ],
      half,
    ),
    // Every count-only rule, those whose matches raise no alarm included.
    countGraph(
      'WAF counted matches per count-only rule',
      [
        new cloudwatch.MathExpression({
          expression: countedMatchesQuery(webAclName),
          label: '',
          period: countPeriod,
        }),
      ],
      half,
    ),
  ];
}

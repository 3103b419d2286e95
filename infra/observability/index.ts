/**
 * The audit dashboard, alarms and saved Logs Insights queries of the ingest path
 * (issue 4, "CloudWatch audit dashboard and alarms"). It reads what exists, the handler's EMF
 * counts and log lines and the services' own metrics, and creates nothing that stores data.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { IngestAlarmThresholds } from './alarm-thresholds.ts';
import { IngestAlarms } from './alarms.ts';
import { auditQueries } from './audit-queries.ts';
import { dashboardRows, type TableMetrics } from './dashboard-widgets.ts';
import type { FrontMetrics } from './front-metrics.ts';

export type { IngestAlarmThresholds, QuietProvider } from './alarm-thresholds.ts';
export type { TableMetrics } from './dashboard-widgets.ts';
export type { FrontMetrics } from './front-metrics.ts';

export interface IngestObservabilityProps {
  readonly ingestFunction: lambda.IFunction;
  /** The ingest Lambda's log group, which the log widget and the saved queries read. */
  readonly ingestLogGroup: logs.ILogGroup;
  /** The front's request metrics: a REST API, an HTTP API, or a function URL's. */
  readonly api: FrontMetrics;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * The registry and audit tables, for their DynamoDB error metrics. Any `dynamodb.ITable`
   * fits; only the name is read, which also lets a `dynamodb.Table` in: under
   * `exactOptionalPropertyTypes` it is not assignable to `ITable` (its `tableStreamArn`).
   */
  readonly tables: readonly TableMetrics[];
  /** Every alarm notifies this topic, going into ALARM and back to OK. */
  readonly alarmTopic: sns.ITopic;
  /**
   * The regional web ACL in front of the API. Its `name` is the `WebACL` dimension of the
   * AWS/WAFV2 metrics; `metricName` (its visibility config's) is accepted for callers that have
   * it but not needed, since WAF labels the ACL-level metrics with the name.
   * @default - no WAF widgets/alarm
   */
  readonly webAcl?: { readonly name: string; readonly metricName?: string };
  /**
   * The audit/logs KMS key, for any log group or query it creates. Nothing created here holds
   * data today (a dashboard, alarms and query definitions), so nothing is encrypted with it.
   */
  readonly logsKey: kms.IKey;
  /**
   * The dashboard's name: CloudWatch → Dashboards → this name.
   * @default - `<stack name>-audit`
   */
  readonly dashboardName?: string;
  /**
   * The folder of the saved queries in Logs Insights (names are `<folder>/<query>`).
   * @default - the stack name
   */
  readonly queryFolder?: string;
  /** @default - each threshold's own default (see IngestAlarmThresholds) */
  readonly alarmThresholds?: IngestAlarmThresholds;
  /**
   * The ingest function's reserved concurrency, which the ConcurrencyNearLimit alarm measures
   * against.
   * @default - none: the alarm measures the account's concurrency quota, which it shares
   */
  readonly reservedConcurrency?: number;
  /**
   * The EMF namespace the ingest handler counts in, which every graph and alarm on its counts
   * reads: the instance's (infra/outputs.ts `instanceNames`).
   * @default - `WebhookIngestion`, the unnamed instance's
   */
  readonly metricsNamespace?: string;
}

/**
 * What CloudWatch refuses in a dashboard name (`dashboardName`): it takes letters, digits, `-`
 * and `_`, at most 255 of them.
 */
export function dashboardNameProblems(name: string | undefined): string[] {
  if (name === undefined || /^[A-Za-z0-9_-]{1,255}$/.test(name)) return [];
  return [
    `dashboardName must be 1 to 255 letters, digits, '-' or '_', got ${JSON.stringify(name)}`,
  ];
}

/**
 * The CloudWatch dashboard, alarms and saved queries of a webhook-ingestion deployment.
 * @example
 * new IngestObservability(this, 'Observability', {
 *   ingestFunction, ingestLogGroup, api, queue, deadLetterQueue,
 *   tables: [registryTable, auditTable], alarmTopic, logsKey: auditKey,
 *   webAcl: { name: 'webhook-ingestion' },
 * });
 */
export class IngestObservability extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: readonly cloudwatch.Alarm[];
  readonly queries: readonly logs.QueryDefinition[];

  constructor(scope: Construct, id: string, props: IngestObservabilityProps) {
    super(scope, id);
    const { stackName } = Stack.of(this);
    const webAclName = props.webAcl?.name;

    this.alarms = new IngestAlarms(this, 'Alarms', {
      ingestFunction: props.ingestFunction,
      api: props.api,
      queue: props.queue,
      deadLetterQueue: props.deadLetterQueue,
      alarmTopic: props.alarmTopic,
      ...(props.metricsNamespace === undefined ? {} : { metricsNamespace: props.metricsNamespace }),
      ...(webAclName === undefined ? {} : { webAclName }),
      ...(props.alarmThresholds === undefined ? {} : { thresholds: props.alarmThresholds }),
      ...(props.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrency: props.reservedConcurrency }),
    }).alarms;

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? `${stackName}-audit`,
      defaultInterval: Duration.hours(24),
      widgets: dashboardRows(this, {
        ingestFunction: props.ingestFunction,
        ingestLogGroup: props.ingestLogGroup,
        api: props.api,
        queue: props.queue,
        deadLetterQueue: props.deadLetterQueue,
        tables: props.tables,
        alarms: this.alarms,
        ...(props.metricsNamespace === undefined
          ? {}
          : { metricsNamespace: props.metricsNamespace }),
        ...(webAclName === undefined ? {} : { webAclName }),
      }),
    });

    const folder = props.queryFolder ?? stackName;
    this.queries = auditQueries.map(
      ({ id: queryId, name, query }) =>
        new logs.QueryDefinition(this, queryId, {
          queryDefinitionName: `${folder}/${name}`,
          queryString: query,
          logGroups: [props.ingestLogGroup],
        }),
    );
  }
}

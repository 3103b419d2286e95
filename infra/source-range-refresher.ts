/**
 * The source range refresher (docs/security.md, "Published source lists"): once a day a
 * scheduled Lambda (scheduled/source-ranges.ts, prebuilt as dist/lambda/source-ranges) fetches
 * the published list of every provider registered with `--allow-published`, validates it, writes
 * a changed list back to the provider (conditional on its revision) and records each change in
 * the admin trail. A list that cannot be used leaves its providers' ranges as they were and
 * fails the run, which the error alarm reports.
 *
 * It runs outside the VPC whatever the profiles: it must reach the providers' HTTPS lists on the
 * internet, and the deployment's VPC has isolated subnets only (no NAT, no internet gateway,
 * infra/network.ts). It is created in every deployment: with no provider on a published list a
 * run is one Scan of the registry, a day. Every grant is written out here: registry reads and
 * conditional puts, admin records in the admin partition only, sealed as an operator's.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { integrityKmsContext } from '../functions/audit/record-seal.ts';
import { kmsKeys } from '../functions/config/keys.ts';
import { auditTable, registryTable } from '../functions/config/tables.ts';
import { metricsNamespaceVariable, telemetry } from '../functions/config/telemetry.ts';
import { type FunctionPolicies, functionPolicies } from './function-policies.ts';
import { adminPartition } from './grants.ts';
import { encryptionContextBound, tableItemKeyActions, viaService } from './key-policies.ts';
import { lambdaBundleDirectory } from './lambda-bundle.ts';
import { encryptedLogGroup, type LogGroupSettings } from './log-groups.ts';
import { runbook } from './observability/runbook.ts';
import { alarmOnFailedRuns, settleScheduledFunction } from './scheduled-runs.ts';

/** Hours between two runs: providers announce changes days ahead (Stripe: seven). */
export const sourceRefreshHours = 24;

export interface SourceRangeRefresherProps {
  readonly registryTable: dynamodb.Table;
  readonly auditTable: dynamodb.Table;
  /** The registry table's key. */
  readonly secretsKey: kms.IKey;
  /** The audit table's key, which also seals the admin records. */
  readonly auditKey: kms.IKey;
  readonly logs: LogGroupSettings;
  /** Active X-Ray tracing, as the ingest function has it. */
  readonly tracing: boolean;
  readonly alarmTopic: sns.ITopic;
  /** The deployment's dashboard, which the refresher's row joins. */
  readonly dashboard: cloudwatch.Dashboard;
  /** The instance's EMF namespace, which the failed-list count is published in. */
  readonly metricsNamespace: string;
}

export class SourceRangeRefresher extends Construct {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  /** The customer managed policies on `role`, by concern (never a network interface policy). */
  readonly policies: FunctionPolicies;
  readonly schedule: events.Rule;
  /** Any failed run: a list that could not be used, or a change that could not be recorded. */
  readonly errorAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: SourceRangeRefresherProps) {
    super(scope, id);
    this.logGroup = encryptedLogGroup(this, 'LogGroup', props.logs);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description:
        "The source range refresher Lambda: refresh providers' published ranges, record each change",
    });
    const data = this.dataPolicy(props);
    this.policies = functionPolicies(this, this.role, data, {
      tracing: props.tracing,
      inVpc: false,
      what: 'the source range refresher Lambda',
    });

    this.function = new lambda.Function(this, 'Function', {
      description: "Refreshes providers' published source ranges (ops/source-lists/)",
      code: lambda.Code.fromAsset(
        lambdaBundleDirectory('source-ranges', 'the source range refresher Lambda'),
      ),
      handler: 'index.handler',
      // The ingest function's runtime: cdk-nag (AwsSolutions-L1) asks for the family's latest.
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // The lists are fetched side by side, each within 10 s; the writes are a few per change.
      timeout: Duration.minutes(2),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      // One run at a time: two would fetch the same lists and race on the same revisions.
      reservedConcurrentExecutions: 1,
      environment: {
        [registryTable.nameVariable]: props.registryTable.tableName,
        [auditTable.nameVariable]: props.auditTable.tableName,
        [kmsKeys.audit.idVariable]: props.auditKey.keyId,
        POWERTOOLS_SERVICE_NAME: telemetry.serviceName,
        [metricsNamespaceVariable]: props.metricsNamespace,
      },
    });
    settleScheduledFunction(this.function, this.policies, props.tracing);

    this.schedule = new events.Rule(this, 'Schedule', {
      description: "Refreshes providers' published source ranges",
      schedule: events.Schedule.rate(Duration.hours(sourceRefreshHours)),
      targets: [new targets.LambdaFunction(this.function)],
    });
    this.errorAlarm = this.alarmOnErrors(props.alarmTopic);
    this.addDashboardRow(props.dashboard);
  }

  /** What the handler calls, on exactly the resources it calls it on. */
  private dataPolicy(props: SourceRangeRefresherProps): iam.ManagedPolicy {
    const registry = props.registryTable.tableArn;
    return new iam.ManagedPolicy(this, 'DataPolicy', {
      description:
        'The source range refresher Lambda: registry reads and conditional puts, admin records, logs',
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          // The providers (Scan), one again after a conflicting write (GetItem).
          sid: 'ReadProviders',
          actions: ['dynamodb:Scan', 'dynamodb:GetItem'],
          resources: [registry],
        }),
        new iam.PolicyStatement({
          // A provider written back whole, conditional on the revision read
          // (ProviderRegistryStore.put): never an UpdateItem or DeleteItem.
          sid: 'WriteRefreshedProviders',
          actions: ['dynamodb:PutItem'],
          resources: [registry],
        }),
        new iam.PolicyStatement({
          sid: 'RecordAdminActions',
          actions: ['dynamodb:PutItem'],
          resources: [props.auditTable.tableArn],
          conditions: {
            'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [adminPartition] },
          },
        }),
        new iam.PolicyStatement({
          // The key policies let the account's principals use the tables' keys through
          // DynamoDB (infra/key-policies.ts `dynamoDbTablesOfAccount`) as IAM allows them.
          sid: 'TablesEncryptedThroughDynamoDb',
          actions: [...tableItemKeyActions],
          resources: [props.secretsKey.keyArn, props.auditKey.keyArn],
          conditions: { StringEquals: viaService('dynamodb') },
        }),
        new iam.PolicyStatement({
          // Operators' seal keys (the key policy's AuditSealingByOperators), as the CLI seals
          // admin records: never the ingest writer's, so no delivery record can be sealed.
          sid: 'SealAdminRecords',
          actions: ['kms:GenerateDataKey'],
          resources: [props.auditKey.keyArn],
          conditions: encryptionContextBound(integrityKmsContext('operator'), [
            'purpose',
            'writer',
          ]),
        }),
        new iam.PolicyStatement({
          sid: 'WriteOwnLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [this.logGroup.logGroupArn],
        }),
      ],
    });
  }

  private alarmOnErrors(topic: sns.ITopic): cloudwatch.Alarm {
    return alarmOnFailedRuns(this, this.function, {
      description: runbook(
        "A run of the source range refresher failed: a provider's published source list could not be fetched or was refused (malformed, too wide, empty), or a change could not be written or recorded. The providers of that list keep the ranges they had; nothing was widened or emptied.",
        "the refresher's log line 'published source lists refreshed' (its `failed` names each list and why) and the metric published_list_failed by list; `webhooks providers refresh-sources --published-list NAME=FILE` refreshes from a saved copy.",
      ),
      // An hour, not the schedule's day: CloudWatch aligns a period to its start, so a day's
      // would report a morning's failure only at midnight.
      period: Duration.hours(1),
      topic,
    });
  }

  private addDashboardRow(dashboard: cloudwatch.Dashboard): void {
    const period = Duration.hours(sourceRefreshHours);
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Source range refresher runs',
        left: [
          this.function.metricInvocations({ statistic: cloudwatch.Stats.SUM, period }),
          this.function.metricErrors({ statistic: cloudwatch.Stats.SUM, period }),
        ],
        leftYAxis: { min: 0, showUnits: false },
        width: 18,
        height: 6,
      }),
      new cloudwatch.AlarmStatusWidget({
        title: 'Source range refresher alarm',
        alarms: [this.errorAlarm],
        width: 6,
        height: 6,
      }),
    );
  }
}

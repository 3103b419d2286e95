/**
 * The scheduled self-audit (issue 19, docs/operations.md): once a day EventBridge Scheduler
 * invokes a Lambda (scheduled/self-audit/handler.ts, prebuilt as dist/lambda/self-audit) that runs
 * the live checks of `webhooks compliance report --stack` on the deployed template and the
 * stack's live settings, and the checks of functions/config/self-audit.ts: provider keys past the
 * cryptoperiod or past their grace, idle providers, the audit trail's integrity over the last day,
 * and changes in who may decrypt or read the audit trail since the last run. Each run leaves a
 * record in the admin trail, a metric per failed or not-run check, and a line on the dashboard;
 * alarms fire on a failed check, a check not run, a failed run and a schedule that stopped.
 *
 * It runs outside the VPC whatever the profiles, as the source range refresher does: it reads
 * this stack through the CloudFormation API, for which the deployment's isolated subnets have no
 * endpoint (infra/network.ts: DynamoDB, S3, SQS and KMS only), and an endpoint for CloudFormation
 * in every deployment with a VPC would cost more than the audit itself (docs/cost.md). It handles
 * no delivery body, header or provider secret: it reads settings, key and policy metadata, the
 * trail's keys and seals, and writes its run record. Every grant is written out here, read-only
 * on what it inspects.
 *
 * With `awsConfigRules`, AWS Config managed rules watch the stack's own tables, keys, buckets,
 * functions in the VPC and WAF stage (`SelfAuditConfigRules`), named in the `ConfigRuleNames`
 * output for the report; they need the account's AWS Config recorder.
 */
import { Aws, Duration, Fn, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as config from 'aws-cdk-lib/aws-config';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { type ComplianceProfileName, keyCryptoperiod } from '../compliance/profiles.ts';
import { auditIntegrityPurpose, integrityKmsContext } from '../functions/audit/record-seal.ts';
import { auditDigests } from '../functions/config/audit-digests.ts';
import { kmsKeys } from '../functions/config/keys.ts';
import { selfAudit } from '../functions/config/self-audit.ts';
import { auditTable, registryTable } from '../functions/config/tables.ts';
import { metricsNamespaceVariable, telemetry } from '../functions/config/telemetry.ts';
import { type FunctionPolicies, functionPolicies } from './function-policies.ts';
import { adminPartition } from './grants.ts';
import {
  encryptionContextBound,
  serviceBound,
  tableItemKeyActions,
  viaService,
} from './key-policies.ts';
import { lambdaBundleDirectory } from './lambda-bundle.ts';
import { encryptedLogGroup, type LogGroupSettings } from './log-groups.ts';
import { runbook } from './observability/runbook.ts';
import {
  alarmOnFailedRuns,
  alarmWhenNotRunning,
  notifyBothWays,
  settleScheduledFunction,
} from './scheduled-runs.ts';

/**
 * The scheduled self-audit's options (the `selfAudit` prop). There is no switch to turn it off:
 * it is part of every deployment, as the audit digests are; a run costs a fraction of a cent
 * (docs/cost.md) and the compliance profiles rely on its evidence.
 */
export interface SelfAuditOptions {
  /**
   * When it runs: an EventBridge Scheduler expression in UTC, `cron(…)` or `rate(…)`, that runs it
   * at least once a day (the day its trail check covers, `selfAudit.integrityWindowSeconds`) and
   * at most once an hour. `at(…)`, which runs once, is refused.
   * @default 'cron(0 5 * * ? *)' - daily at 05:00 UTC (functions/config/self-audit.ts)
   */
  readonly schedule?: string;
  /**
   * Days a provider key may be in use before a run flags it: at most what the profiles allow
   * (compliance/profiles.ts `keyCryptoperiodDays`), never longer.
   * @default - the shortest the profiles allow: 365 days in every profile
   */
  readonly cryptoperiodDays?: number;
  /**
   * Days without an accepted delivery after which a run flags an enabled provider: at most the
   * days delivery audit records are kept, which the check reads.
   * @default 30
   */
  readonly idleProviderDays?: number;
  /**
   * AWS Config managed rules for the stack's own tables, keys, buckets, functions in the VPC and
   * WAF stage, named in the `ConfigRuleNames` output. They need an AWS Config recorder in the
   * account, which the construct does not create (docs/compliance.md).
   * @default false
   */
  readonly awsConfigRules?: boolean;
}

/** What the self-audit deploys with, resolved against the profiles (infra/settings.ts). */
export interface SelfAuditSettings {
  readonly schedule: string;
  readonly cryptoperiodDays: number;
  readonly idleProviderDays: number;
  readonly awsConfigRules: boolean;
}

/** The shortest and longest time between two runs a schedule may have. */
const runsAtLeastEveryMinutes = 24 * 60;
const runsAtMostEveryMinutes = 60;

/**
 * What is wrong with a schedule expression, in words; empty when it runs the self-audit between
 * once an hour and once a day. A cron expression runs daily or more often when its day-of-month
 * or day-of-week is every day (`*`, the other `?`), and every month and year; at most hourly when
 * its minutes field is one minute.
 */
export function scheduleProblems(expression: string): string[] {
  const shape =
    'an EventBridge Scheduler expression: cron(minutes hours day-of-month month day-of-week year) or rate(value unit)';
  const got = JSON.stringify(expression);
  if (typeof expression !== 'string') return [`selfAudit.schedule must be ${shape}, got ${got}`];
  if (/^at\(.*\)$/.test(expression)) {
    return [
      `selfAudit.schedule ${got} runs once: the self-audit must run at least daily, give a cron(…) or rate(…) expression`,
    ];
  }
  const rate = /^rate\((\d+) (minutes?|hours?|days?)\)$/.exec(expression);
  if (rate !== null) {
    const value = Number(rate[1]);
    const unit = rate[2] as string;
    const minutes = value * (unit.startsWith('minute') ? 1 : unit.startsWith('hour') ? 60 : 1440);
    return runsBetween(got, minutes >= runsAtMostEveryMinutes, minutes <= runsAtLeastEveryMinutes);
  }
  const cron = /^cron\(([^()]+)\)$/.exec(expression);
  const fields = cron?.[1]?.trim().split(/\s+/) ?? [];
  if (cron === null || fields.length !== 6 || !fields.every((f) => /^[\w*?,/#-]+$/.test(f))) {
    return [`selfAudit.schedule must be ${shape}, got ${got}`];
  }
  const [minutes, , dayOfMonth, month, dayOfWeek, year] = fields;
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    return [
      `selfAudit.schedule ${got}: a cron expression needs '?' in exactly one of day-of-month and day-of-week`,
    ];
  }
  const everyDay =
    ((dayOfMonth === '*' && dayOfWeek === '?') || (dayOfMonth === '?' && dayOfWeek === '*')) &&
    month === '*' &&
    year === '*';
  return runsBetween(got, /^\d{1,2}$/.test(minutes ?? ''), everyDay);
}

function runsBetween(got: string, atMostHourly: boolean, atLeastDaily: boolean): string[] {
  return [
    ...(atLeastDaily
      ? []
      : [
          `selfAudit.schedule ${got} runs less often than daily: each run checks the audit trail's last day, and the NotRunning alarm fires after two days without a run`,
        ]),
    ...(atMostHourly
      ? []
      : [
          `selfAudit.schedule ${got} runs more often than hourly: each run reads a day of the audit trail, so more runs only repeat reads`,
        ]),
  ];
}

/**
 * The self-audit's settings and what is wrong with the options: a cryptoperiod longer than the
 * profiles allow is refused as any looser setting is, naming the profiles.
 * @param deliveryAuditDays the days delivery audit records are kept, which the idle check reads
 */
export function resolveSelfAudit(
  options: SelfAuditOptions | undefined,
  profiles: readonly ComplianceProfileName[],
  deliveryAuditDays: number,
): { readonly settings: SelfAuditSettings; readonly problems: readonly string[] } {
  const problems: string[] = [];
  const allowed = keyCryptoperiod(profiles);
  const schedule = options?.schedule ?? selfAudit.defaultSchedule;
  problems.push(...scheduleProblems(schedule));
  const cryptoperiodDays = options?.cryptoperiodDays ?? allowed.days;
  if (!Number.isInteger(cryptoperiodDays) || cryptoperiodDays < 1) {
    problems.push(`selfAudit.cryptoperiodDays must be a positive integer, got ${cryptoperiodDays}`);
  } else if (cryptoperiodDays > allowed.days) {
    problems.push(
      `selfAudit.cryptoperiodDays ${cryptoperiodDays} is longer than the ${allowed.days} days ${allowed.profiles.join(', ')} allows`,
    );
  }
  const idleProviderDays = options?.idleProviderDays ?? selfAudit.defaultIdleProviderDays;
  if (!Number.isInteger(idleProviderDays) || idleProviderDays < 1) {
    problems.push(`selfAudit.idleProviderDays must be a positive integer, got ${idleProviderDays}`);
  } else if (idleProviderDays > deliveryAuditDays) {
    problems.push(
      `selfAudit.idleProviderDays ${idleProviderDays} is longer than the ${deliveryAuditDays} days delivery audit records are kept, which the idle check reads: keep them longer (retention.deliveryAudit) or flag sooner`,
    );
  }
  const awsConfigRules = options?.awsConfigRules ?? false;
  if (typeof awsConfigRules !== 'boolean') {
    problems.push(`selfAudit.awsConfigRules must be true or false, got ${awsConfigRules}`);
  }
  return { settings: { schedule, cryptoperiodDays, idleProviderDays, awsConfigRules }, problems };
}

/** The one index the trail check queries: delivery items by provider and time. */
const byTimeIndex: (typeof auditTable.globalSecondaryIndexes)[number]['indexName'] = 'byTime';

/**
 * The partition of the run records (ops/review/run-record.ts `selfAuditPartitionKey`, which
 * infra/ may not import; test/infra/self-audit.test.ts keeps the two equal). A run writes its
 * record there and its admin record in the admin partition, and reads the last runs back.
 */
export const selfAuditPartition = '_self-audit';

/** Every digest and signature key starts with it (ops/integrity/digest-document.ts). */
const digestPrefix = 'digests/';

/** The period of the alarms on runs and checks: an hour, never a day (see `checkAlarm`). */
const alarmPeriod = Duration.hours(1);

/** Hours without a run before NotRunning fires: two days, two missed daily runs. */
const notRunningHours = 48;

/** Scheduler's delivery of a run: retried for six hours, then dropped (the next run follows). */
const deliveryRetry = { maximumEventAgeInSeconds: 6 * 3600, maximumRetryAttempts: 20 } as const;

/** The resources the AWS Config rules watch (`awsConfigRules`). */
export interface SelfAuditConfigTargets {
  /** The registry and audit tables: encrypted with these keys, point-in-time recovery on. */
  readonly tables: readonly dynamodb.Table[];
  /** Their keys' ARNs, the only keys the tables may be encrypted with. */
  readonly tableKeyArns: readonly string[];
  /** Every key of the deployment: none scheduled for deletion. */
  readonly keyIds: readonly string[];
  /** The payload and digest buckets: requests without TLS refused. */
  readonly buckets: readonly IConstruct[];
  /** The functions placed in the VPC (ingest, digests), with VPC placement only. */
  readonly functionsInVpc: readonly lambda.IFunction[];
  /** The REST stage behind the WAF, when there is one. */
  readonly wafStage?: IConstruct;
}

export interface SelfAuditProps {
  readonly settings: SelfAuditSettings;
  readonly profiles: readonly ComplianceProfileName[];
  readonly registryTable: dynamodb.Table;
  readonly auditTable: dynamodb.Table;
  readonly keys: {
    /** The registry table's key. */
    readonly secrets: kms.IKey;
    /** The audit table's key, which also seals the run records and the digests' objects. */
    readonly audit: kms.IKey;
    readonly queue: kms.IKey;
  };
  /** The delivery queue and its dead-letter queue, whose settings the live checks read. */
  readonly queues: readonly sqs.IQueue[];
  /** The audit trail's digests (infra/audit-digests.ts), which the trail check verifies. */
  readonly digests: {
    readonly bucket: Pick<s3.IBucket, 'bucketArn' | 'bucketName' | 'arnForObjects'>;
    readonly signingKey: kms.IKey;
  };
  readonly logs: LogGroupSettings;
  /** Active X-Ray tracing, as the ingest function has it. */
  readonly tracing: boolean;
  readonly alarmTopic: sns.ITopic;
  /** The deployment's dashboard, which the self-audit's row joins. */
  readonly dashboard: cloudwatch.Dashboard;
  /** The instance's EMF namespace, which the check metrics are published in. */
  readonly metricsNamespace: string;
  /** @default - the unnamed instance */
  readonly instanceName?: string;
  /** What the AWS Config rules watch; read only with `settings.awsConfigRules`. */
  readonly configTargets: SelfAuditConfigTargets;
}

export class SelfAudit extends Construct {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  /** The customer managed policies on `role`, by concern (never a network interface policy). */
  readonly policies: FunctionPolicies;
  readonly schedule: scheduler.Schedule;
  /** The role EventBridge Scheduler invokes the function with, and its one policy. */
  readonly scheduleRole: iam.Role;
  readonly schedulePolicy: iam.ManagedPolicy;
  readonly settings: SelfAuditSettings;
  /** A run that failed entirely: nothing was checked, no record may have been written. */
  readonly errorAlarm: cloudwatch.Alarm;
  /** A check that failed in a run. */
  readonly checksFailedAlarm: cloudwatch.Alarm;
  /** A check that could not run: never a pass. */
  readonly checksNotRunAlarm: cloudwatch.Alarm;
  /** No run for two days: the schedule is disabled or gone, or cannot invoke the function. */
  readonly notRunningAlarm: cloudwatch.Alarm;
  /** @default - undefined without `awsConfigRules` */
  readonly configRules?: SelfAuditConfigRules;
  /** The AWS Config rules' names, for the `ConfigRuleNames` output; empty without them. */
  readonly configRuleNames: readonly string[];

  constructor(scope: Construct, id: string, props: SelfAuditProps) {
    super(scope, id);
    this.settings = props.settings;
    this.logGroup = encryptedLogGroup(this, 'LogGroup', props.logs);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description:
        "The self-audit Lambda: read this stack's settings, keys, policies and audit trail, record each run",
    });
    const data = this.dataPolicy(props);
    this.policies = functionPolicies(this, this.role, data, {
      tracing: props.tracing,
      inVpc: false,
      what: 'the self-audit Lambda',
    });

    this.function = new lambda.Function(this, 'Function', {
      description: "Audits the deployment daily: the report's live checks, keys, providers, trail",
      code: lambda.Code.fromAsset(lambdaBundleDirectory('self-audit', 'the self-audit Lambda')),
      handler: 'index.handler',
      // The ingest function's runtime: cdk-nag (AwsSolutions-L1) asks for the family's latest.
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      // A day of the trail is read and compared as the digest function reads it (512 MB, a day's
      // catch-up within 5 minutes), with the seals and the template besides: twice the memory,
      // and the most time Lambda gives, as the trail grows with traffic.
      memorySize: 1024,
      timeout: Duration.minutes(15),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      // One run at a time: two would compare access against the same previous run.
      reservedConcurrentExecutions: 1,
      environment: this.environment(props),
    });
    settleScheduledFunction(this.function, this.policies, props.tracing);

    this.scheduleRole = new iam.Role(this, 'ScheduleRole', {
      // As EventBridge Scheduler's execution role: its schedules of this account, default group.
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': Aws.ACCOUNT_ID,
            'aws:SourceArn': `arn:${Aws.PARTITION}:scheduler:${Aws.REGION}:${Aws.ACCOUNT_ID}:schedule-group/default`,
          },
        },
      }),
      description: 'EventBridge Scheduler: invoke the self-audit Lambda, nothing else',
    });
    this.schedulePolicy = new iam.ManagedPolicy(this, 'SchedulePolicy', {
      description: 'EventBridge Scheduler: invoke the self-audit Lambda, nothing else',
      roles: [this.scheduleRole],
      statements: [
        new iam.PolicyStatement({
          // The function itself: no version or alias, so no wildcard.
          sid: 'InvokeSelfAudit',
          actions: ['lambda:InvokeFunction'],
          resources: [this.function.functionArn],
        }),
      ],
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'Runs the self-audit of webhook-ingestion',
      schedule: scheduler.ScheduleExpression.expression(props.settings.schedule),
      target: new InvokeSelfAudit(this.function, this.scheduleRole),
    });
    this.schedule.node.addDependency(this.schedulePolicy);

    this.errorAlarm = this.alarmOnErrors(props.alarmTopic);
    this.checksFailedAlarm = this.checkAlarm('ChecksFailed', selfAudit.checkFailedMetric, props, {
      meaning:
        'A check of the daily self-audit failed: a control of the compliance report, a provider key past its cryptoperiod or grace, an idle provider, the audit trail, or a change in who may decrypt or read it. It clears an hour after the run; the next run fires it again while the finding stands.',
      check:
        "`webhooks compliance audit` (runs the checks again and prints each failure and why) and the dashboard's self-audit row (which check); `webhooks compliance history` shows since when.",
    });
    this.checksNotRunAlarm = this.checkAlarm('ChecksNotRun', selfAudit.checkNotRunMetric, props, {
      meaning:
        'A check of the daily self-audit could not run (a call refused or failing, a setting it could not read): it neither passed nor failed, so that control went unchecked. It clears an hour after the run.',
      check:
        "`webhooks compliance audit`, which names each check not run and the call or setting it lacked; the self-audit function's log for the error.",
    });
    this.notRunningAlarm = this.alarmWhenNotRunning(props.alarmTopic);
    this.addDashboardRow(props.dashboard, props.metricsNamespace);

    if (props.settings.awsConfigRules) {
      this.configRules = new SelfAuditConfigRules(this, 'ConfigRules', {
        ...props.configTargets,
        tagValue:
          props.instanceName === undefined
            ? Aws.STACK_NAME
            : Fn.join('/', [Aws.STACK_NAME, props.instanceName]),
      });
    }
    this.configRuleNames = this.configRules?.rules.map((rule) => rule.configRuleName) ?? [];
  }

  /**
   * The handler's variables (functions/config/self-audit.ts), the tables, keys and digests the
   * other functions name the same way, and the instance's metric namespace.
   */
  private environment(props: SelfAuditProps): Record<string, string> {
    const { settings } = props;
    return {
      [selfAudit.stackNameVariable]: Aws.STACK_NAME,
      [selfAudit.profilesVariable]: props.profiles.join(','),
      [selfAudit.cryptoperiodVariable]: String(settings.cryptoperiodDays),
      [selfAudit.idleDaysVariable]: String(settings.idleProviderDays),
      ...(props.instanceName === undefined
        ? {}
        : { [selfAudit.instanceVariable]: props.instanceName }),
      [registryTable.nameVariable]: props.registryTable.tableName,
      [auditTable.nameVariable]: props.auditTable.tableName,
      [kmsKeys.secrets.idVariable]: props.keys.secrets.keyId,
      [kmsKeys.audit.idVariable]: props.keys.audit.keyId,
      [kmsKeys.queue.idVariable]: props.keys.queue.keyId,
      [auditDigests.bucketVariable]: props.digests.bucket.bucketName,
      [auditDigests.signingKeyVariable]: props.digests.signingKey.keyId,
      POWERTOOLS_SERVICE_NAME: telemetry.serviceName,
      [metricsNamespaceVariable]: props.metricsNamespace,
    };
  }

  /**
   * What the handler calls, on exactly the resources it calls it on: reads of what it inspects,
   * and one write, its run record in the admin partition.
   */
  private dataPolicy(props: SelfAuditProps): iam.ManagedPolicy {
    const registry = props.registryTable.tableArn;
    const audit = props.auditTable.tableArn;
    const { secrets, audit: auditKey, queue } = props.keys;
    const { bucket, signingKey } = props.digests;
    return new iam.ManagedPolicy(this, 'DataPolicy', {
      description:
        "The self-audit Lambda: read this stack's template, settings, keys and audit trail, record each run",
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          // The deployed template and the outputs the live checks find each resource by.
          sid: 'ReadThisStack',
          actions: ['cloudformation:GetTemplate', 'cloudformation:DescribeStacks'],
          resources: [Aws.STACK_ID],
        }),
        new iam.PolicyStatement({
          // Encryption, deletion protection, point-in-time recovery, TTL, resource policy.
          sid: 'DescribeTables',
          actions: [
            'dynamodb:DescribeTable',
            'dynamodb:DescribeContinuousBackups',
            'dynamodb:DescribeTimeToLive',
            'dynamodb:GetResourcePolicy',
          ],
          resources: [registry, audit],
        }),
        new iam.PolicyStatement({
          // Providers' keys' dates and grace, allowlists, enabled: never a key's plaintext, which
          // only the ingest function may decrypt (the secrets key's policy).
          sid: 'ListProviders',
          actions: ['dynamodb:Scan'],
          resources: [registry],
        }),
        new iam.PolicyStatement({
          // The trail of the last day by partition and time (Query), the delivery items the byTime
          // index names (BatchGetItem), the last runs' records (Query of the run partition).
          sid: 'ReadAuditTrail',
          actions: ['dynamodb:Query', 'dynamodb:BatchGetItem'],
          resources: [audit],
        }),
        new iam.PolicyStatement({
          sid: 'ListDeliveriesByTime',
          actions: ['dynamodb:Query'],
          resources: [`${audit}/index/${byTimeIndex}`],
        }),
        new iam.PolicyStatement({
          // The run's record in the run partition and its admin record in the admin partition,
          // each a put of a new key (ops/review/run-store.ts): no other partition.
          sid: 'RecordRuns',
          actions: ['dynamodb:PutItem'],
          resources: [audit],
          conditions: {
            'ForAllValues:StringEquals': {
              'dynamodb:LeadingKeys': [adminPartition, selfAuditPartition],
            },
          },
        }),
        new iam.PolicyStatement({
          // The registry read through DynamoDB (infra/key-policies.ts `dynamoDbTablesOfAccount`).
          sid: 'RegistryEncryptedThroughDynamoDb',
          actions: ['kms:Decrypt', 'kms:DescribeKey'],
          resources: [secrets.keyArn],
          conditions: { StringEquals: viaService('dynamodb') },
        }),
        new iam.PolicyStatement({
          // The trail read, and the run record written, through DynamoDB.
          sid: 'AuditTableEncryptedThroughDynamoDb',
          actions: [...tableItemKeyActions],
          resources: [auditKey.keyArn],
          conditions: { StringEquals: viaService('dynamodb') },
        }),
        new iam.PolicyStatement({
          // Operators' seal keys (the key policy's AuditSealingByOperators), as the CLI seals
          // admin records: never the ingest writer's, so no delivery record can be sealed.
          sid: 'SealRunRecords',
          actions: ['kms:GenerateDataKey'],
          resources: [auditKey.keyArn],
          conditions: encryptionContextBound(integrityKmsContext('operator'), [
            'purpose',
            'writer',
          ]),
        }),
        new iam.PolicyStatement({
          // Seal keys of either writer decrypted to check the seals, as `webhooks audit verify`
          // does (the key policy's AuditSealVerificationByAuditors): under their purpose only.
          sid: 'CheckSeals',
          actions: ['kms:Decrypt'],
          resources: [auditKey.keyArn],
          conditions: encryptionContextBound({ purpose: auditIntegrityPurpose }, [
            'purpose',
            'writer',
          ]),
        }),
        new iam.PolicyStatement({
          // The data keys' rotation (the report's live check) and who their policies name
          // (`access-changes`). The key policies grant both to the account's principals as IAM
          // allows them (infra/key-policies.ts `administration`).
          sid: 'InspectKeys',
          actions: ['kms:GetKeyPolicy', 'kms:GetKeyRotationStatus'],
          resources: [secrets.keyArn, auditKey.keyArn, queue.keyArn],
        }),
        new iam.PolicyStatement({
          // The digests' signatures are checked with the public key, never by KMS Verify.
          sid: 'VerifyDigests',
          actions: ['kms:GetPublicKey'],
          resources: [signingKey.keyArn],
        }),
        new iam.PolicyStatement({
          // Versions too: a digest overwritten or hidden under a delete marker is a finding.
          sid: 'ListDigests',
          actions: ['s3:ListBucket', 's3:ListBucketVersions'],
          resources: [bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': `${digestPrefix}*` } },
        }),
        new iam.PolicyStatement({
          // Read only: no put, delete or Object Lock action.
          sid: 'ReadDigests',
          actions: ['s3:GetObject', 's3:GetObjectVersion'],
          resources: [bucket.arnForObjects(`${digestPrefix}*`)],
        }),
        new iam.PolicyStatement({
          // The digest objects are under the audit key, decrypted by S3 for this bucket only.
          sid: 'DigestsEncryptedThroughS3',
          actions: ['kms:Decrypt'],
          resources: [auditKey.keyArn],
          conditions: serviceBound('s3', bucket.bucketArn),
        }),
        new iam.PolicyStatement({
          // The queues' key and policy; no message is received.
          sid: 'ReadQueueSettings',
          actions: ['sqs:GetQueueAttributes'],
          resources: props.queues.map((q) => q.queueArn),
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
        'A run of the self-audit failed entirely: it crashed or timed out, so no check of that run can be trusted and its record may be missing. Lambda retries it twice; the next scheduled run audits again.',
        "the self-audit function's log for the error, then `webhooks compliance audit` to run the same checks by hand.",
      ),
      // An hour, not the schedule's day: CloudWatch aligns a period to its start, so a day's
      // would report a morning's failure only at midnight.
      period: alarmPeriod,
      topic,
    });
  }

  /**
   * Any check reported under `metric` in a run: a Metrics Insights query over the instance's
   * namespace, every dimension set, summed per hour. An hour, as the failed-run alarm's: a day's
   * period would wait for its end, and a Metrics Insights alarm reads three hours at most.
   */
  private checkAlarm(
    id: string,
    metric: string,
    props: SelfAuditProps,
    text: { readonly meaning: string; readonly check: string },
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmDescription: runbook(text.meaning, text.check),
      metric: new cloudwatch.MathExpression({
        expression: checkQuery(metric, props.metricsNamespace),
        label: metric,
        period: alarmPeriod,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // A run publishes the metric only for a check that failed (or did not run).
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    notifyBothWays(alarm, props.alarmTopic);
    return alarm;
  }

  /**
   * No invocation in any of the last 48 hours. Hourly periods, every one of them breaching, so
   * that it fires two days after the last run rather than at a day period's end.
   */
  private alarmWhenNotRunning(topic: sns.ITopic): cloudwatch.Alarm {
    return alarmWhenNotRunning(this, this.function, {
      description: runbook(
        `The self-audit has not run for ${notRunningHours / 24} days: its schedule is disabled or gone, EventBridge Scheduler cannot invoke the function, or it is throttled. Until it runs, no control is checked. After a first deploy it waits for the first run.`,
        "the self-audit's EventBridge Scheduler schedule (enabled, its target the self-audit function, its role) and the function's throttles.",
      ),
      period: alarmPeriod,
      periods: notRunningHours,
      explicitDatapoints: true,
      topic,
    });
  }

  private addDashboardRow(dashboard: cloudwatch.Dashboard, namespace: string): void {
    const period = alarmPeriod;
    const byCheck = (metric: string) =>
      new cloudwatch.MathExpression({
        expression: `${checkQuery(metric, namespace)} GROUP BY "check"`,
        // An empty label leaves each series named by its check.
        label: '',
        period,
      });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Self-audit runs',
        left: [
          this.function.metricInvocations({ statistic: cloudwatch.Stats.SUM, period }),
          this.function.metricErrors({ statistic: cloudwatch.Stats.SUM, period }),
        ],
        leftYAxis: { min: 0, showUnits: false },
        width: 6,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Self-audit failed checks, by check',
        left: [byCheck(selfAudit.checkFailedMetric)],
        leftYAxis: { min: 0, showUnits: false },
        width: 6,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Self-audit checks not run, by check',
        left: [byCheck(selfAudit.checkNotRunMetric)],
        leftYAxis: { min: 0, showUnits: false },
        width: 6,
        height: 6,
      }),
      new cloudwatch.AlarmStatusWidget({
        title: 'Self-audit alarms',
        alarms: [
          this.checksFailedAlarm,
          this.checksNotRunAlarm,
          this.errorAlarm,
          this.notRunningAlarm,
        ],
        width: 6,
        height: 6,
      }),
    );
  }
}

/**
 * A check metric summed over every series of the namespace: whatever dimensions the handler
 * adds (Powertools' `service`, the check's name), a check that failed counts.
 */
export function checkQuery(metric: string, namespace: string): string {
  return `SELECT SUM(${metric}) FROM "${namespace}"`;
}

/**
 * The schedule's target: the function, invoked (asynchronously) by `role`, whose one policy
 * names the function alone. `aws-scheduler-targets`' LambdaInvoke would grant through
 * `grantInvoke`, an inline policy on the function and its versions (`<arn>:*`).
 */
class InvokeSelfAudit implements scheduler.IScheduleTarget {
  readonly #function: lambda.IFunction;
  readonly #role: iam.IRole;

  constructor(fn: lambda.IFunction, role: iam.IRole) {
    this.#function = fn;
    this.#role = role;
  }

  bind(_schedule: scheduler.ISchedule): scheduler.ScheduleTargetConfig {
    return { arn: this.#function.functionArn, role: this.#role, retryPolicy: deliveryRetry };
  }
}

export interface SelfAuditConfigRulesProps extends SelfAuditConfigTargets {
  /** The tag value the stack's watched resources carry, which the rules are scoped to. */
  readonly tagValue: string;
}

/** The tag the rules' scope reads: on this deployment's watched resources only. */
export const configRuleTagKey = 'webhook-ingestion:deployment';

/**
 * AWS Config managed rules for the deployment's own resources. A change-triggered rule is scoped
 * to the tag its resources carry here (`configRuleTagKey`, the stack and instance), so it never
 * judges another resource of the account; the periodic rule takes the keys' ids as its
 * parameter. Rules that AWS Config can only run over the whole account (the periodic
 * CMK_BACKING_KEY_ROTATION_ENABLED and CLOUDWATCH_LOG_GROUP_ENCRYPTED) are left to the
 * self-audit's own template checks, which read the same settings of this stack's resources.
 */
export class SelfAuditConfigRules extends Construct {
  readonly rules: readonly config.ManagedRule[];

  constructor(scope: Construct, id: string, props: SelfAuditConfigRulesProps) {
    super(scope, id);
    const tagged = (resources: readonly IConstruct[]) => {
      for (const resource of resources) Tags.of(resource).add(configRuleTagKey, props.tagValue);
    };
    const tagScope = config.RuleScope.fromTag(configRuleTagKey, props.tagValue);
    const rule = (
      ruleId: string,
      identifier: string,
      description: string,
      extra: Partial<config.ManagedRuleProps> = {},
    ) => new config.ManagedRule(this, ruleId, { identifier, description, ...extra });

    tagged(props.tables);
    tagged(props.buckets);
    tagged(props.functionsInVpc);
    if (props.wafStage !== undefined) tagged([props.wafStage]);
    this.rules = [
      rule(
        'TablesEncryptedWithStackKeys',
        config.ManagedRuleIdentifiers.DYNAMODB_TABLE_ENCRYPTED_KMS,
        "The deployment's registry and audit tables are encrypted with its own KMS keys",
        {
          ruleScope: tagScope,
          inputParameters: { kmsKeyArns: Fn.join(',', [...props.tableKeyArns]) },
        },
      ),
      rule(
        'TablesPointInTimeRecovery',
        config.ManagedRuleIdentifiers.DYNAMODB_PITR_ENABLED,
        "The deployment's registry and audit tables have point-in-time recovery",
        { ruleScope: tagScope },
      ),
      rule(
        'KeysNotScheduledForDeletion',
        config.ManagedRuleIdentifiers.KMS_CMK_NOT_SCHEDULED_FOR_DELETION,
        "None of the deployment's KMS keys is scheduled for deletion",
        {
          inputParameters: { kmsKeyIds: Fn.join(',', [...props.keyIds]) },
          maximumExecutionFrequency: config.MaximumExecutionFrequency.TWENTY_FOUR_HOURS,
        },
      ),
      rule(
        'BucketsRequireTls',
        config.ManagedRuleIdentifiers.S3_BUCKET_SSL_REQUESTS_ONLY,
        "The deployment's payload and digest buckets refuse requests without TLS",
        { ruleScope: tagScope },
      ),
      ...(props.functionsInVpc.length === 0
        ? []
        : [
            rule(
              'FunctionsInsideVpc',
              config.ManagedRuleIdentifiers.LAMBDA_INSIDE_VPC,
              "The deployment's ingest and audit digest functions run in its VPC",
              { ruleScope: tagScope },
            ),
          ]),
      ...(props.wafStage === undefined
        ? []
        : [
            rule(
              'StageAssociatedWithWaf',
              config.ManagedRuleIdentifiers.API_GW_ASSOCIATED_WITH_WAF,
              "The deployment's REST API stage is associated with its WAF web ACL",
              { ruleScope: tagScope },
            ),
          ]),
    ];
  }
}

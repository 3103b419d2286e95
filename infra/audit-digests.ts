/**
 * The audit trail's signed digests (ops/integrity/, docs/audit-integrity.md): every
 * `auditDigests.periodSeconds` a scheduled Lambda (scheduled/audit-digest.ts, prebuilt as
 * dist/lambda/audit-digest) reads what the audit table received in the last settled period,
 * chains a digest of it to the one before, signs it with an asymmetric KMS key and writes both
 * to a bucket under Object Lock in compliance mode for as long as delivery audit records are
 * kept. Key and bucket outlive the
 * stack, so that the digests stay verifiable after it is gone; under `removalPolicy: 'destroy'`
 * (baseline only) the key goes with the stack, and the locked bucket, which no one can empty
 * early, is kept to drain itself (docs/teardown.md). Every grant is written out here.
 */
import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { auditDigests } from '../functions/config/audit-digests.ts';
import { auditTable, registryTable } from '../functions/config/tables.ts';
import { type FunctionPolicies, functionPolicies } from './function-policies.ts';
import { administration, grantsOnlyForAwsServices } from './key-policies.ts';
import { keyPendingWindowDays } from './keys.ts';
import { lambdaBundleDirectory } from './lambda-bundle.ts';
import { encryptedLogGroup, type LogGroupSettings } from './log-groups.ts';
import type { IngestNetwork } from './network.ts';
import {
  alarmOnFailedRuns,
  alarmWhenNotRunning,
  settleScheduledFunction,
} from './scheduled-runs.ts';

/**
 * The bucket's logical id, fixed (as the payload bucket's is) so that the one wildcard of the
 * function's policy, on the digest objects, reads the same in every app and can be acknowledged
 * by name (compliance/acknowledgements.ts).
 */
export const digestBucketLogicalId = 'DigestBucket';

/** Every digest and signature key starts with it (ops/integrity/digest-document.ts). */
const digestPrefix = 'digests/';

/** The one index the writer queries: delivery items by provider and time (period-reader.ts). */
const byTimeIndex: (typeof auditTable.globalSecondaryIndexes)[number]['indexName'] = 'byTime';

/** How the function signs (ops/integrity/digest-store.ts); the key policy allows nothing else. */
const signingAlgorithm = 'ECDSA_SHA_256';
const messageType = 'DIGEST';

export interface AuditDigestsProps {
  readonly auditTable: dynamodb.Table;
  readonly registryTable: dynamodb.Table;
  /** The audit table's key: the digests are audit data too, so the bucket is under it. */
  readonly auditKey: kms.IKey;
  /** The registry table's key, which the function reads provider ids through. */
  readonly secretsKey: kms.IKey;
  /** Days each digest is locked for: the delivery audit records' days. */
  readonly retentionDays: number;
  readonly logs: LogGroupSettings;
  /** Active X-Ray tracing, as the ingest function has it. */
  readonly tracing: boolean;
  /** @default - not in a VPC */
  readonly network?: IngestNetwork;
  readonly alarmTopic: sns.ITopic;
  /** The deployment's dashboard, which the digests' row joins. */
  readonly dashboard: cloudwatch.Dashboard;
  /**
   * What deleting the stack does to the signing key: RETAIN keeps it, so that the digests stay
   * verifiable; DESTROY schedules its deletion, the audit table it attests being deleted too.
   * The digest bucket is kept either way.
   */
  readonly removalPolicy: RemovalPolicy;
  /**
   * Before the bucket's fixed logical id: the instance's name, so that several instances'
   * buckets fit in one stack (compliance/acknowledgements.ts names the bucket with it).
   * @default '' - the unnamed instance's
   */
  readonly logicalIdPrefix?: string;
}

export class AuditDigests extends Construct {
  /** ECC_NIST_P256 SIGN_VERIFY: only the function's role signs; the account verifies. */
  readonly signingKey: kms.Key;
  /** Object Lock in compliance mode for `retentionDays`, versioned, under the audit key. */
  readonly bucket: s3.Bucket;
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  /** The customer managed policies on `role`, by concern. */
  readonly policies: FunctionPolicies;
  readonly schedule: events.Rule;
  /** Any failed run: the next run catches up, but the chain waits until one succeeds. */
  readonly errorAlarm: cloudwatch.Alarm;
  /**
   * No run for two periods: the schedule was disabled or deleted, or EventBridge cannot invoke
   * the function. Without it, nothing but `webhooks audit verify` would show the gap.
   */
  readonly notRunningAlarm: cloudwatch.Alarm;
  readonly retentionDays: number;

  constructor(scope: Construct, id: string, props: AuditDigestsProps) {
    super(scope, id);
    this.retentionDays = props.retentionDays;
    this.logGroup = encryptedLogGroup(this, 'LogGroup', props.logs);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'The audit digest Lambda: read the audit trail, sign and store its digests',
    });
    this.signingKey = new kms.Key(this, 'SigningKey', {
      description: "Signs the audit trail's digests of webhook-ingestion",
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      // KMS rotates symmetric keys only; each digest names the key that signed it.
      enableKeyRotation: false,
      pendingWindow: Duration.days(keyPendingWindowDays(props.removalPolicy)),
      policy: new iam.PolicyDocument({
        statements: [
          administration(),
          verificationByAccount(),
          signingBy(this.role),
          grantsOnlyForAwsServices(),
        ],
      }),
      removalPolicy: props.removalPolicy,
    });
    this.bucket = this.digestBucket(props);
    grantBucketKey(props.auditKey, this.role);
    grantTableReads(props, this.role);

    const data = this.dataPolicy(props);
    this.policies = functionPolicies(this, this.role, data, {
      tracing: props.tracing,
      inVpc: props.network !== undefined,
      what: 'the audit digest Lambda',
    });
    if (props.network !== undefined) this.allowThroughEndpoints(props, props.network);

    this.function = new lambda.Function(this, 'Function', {
      description: "Writes the audit trail's signed digests (ops/integrity/)",
      code: lambda.Code.fromAsset(lambdaBundleDirectory('audit-digest', 'the audit digest Lambda')),
      handler: 'index.handler',
      // The ingest function's runtime: cdk-nag (AwsSolutions-L1) asks for the family's latest.
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      // A run catches up at most `maxPeriodsPerRun` periods, well within this.
      timeout: Duration.minutes(5),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      // Two runs at once would both chain to the same last digest and fork the chain.
      reservedConcurrentExecutions: 1,
      environment: {
        [auditTable.nameVariable]: props.auditTable.tableName,
        [registryTable.nameVariable]: props.registryTable.tableName,
        [auditDigests.bucketVariable]: this.bucket.bucketName,
        [auditDigests.signingKeyVariable]: this.signingKey.keyId,
      },
      ...(props.network === undefined
        ? {}
        : {
            vpc: props.network.placement.vpc,
            vpcSubnets: props.network.placement.subnets,
            securityGroups: [props.network.placement.securityGroup],
          }),
    });
    settleScheduledFunction(this.function, this.policies, props.tracing);

    this.schedule = new events.Rule(this, 'Schedule', {
      description: "Writes the audit trail's digests that are due",
      // A minute after each period has settled, so a digest is written about 6 minutes after its
      // period ends, not up to a period later as a plain rate would.
      schedule: events.Schedule.cron({
        minute: `${auditDigests.settleSeconds / 60 + 1}/${auditDigests.periodSeconds / 60}`,
      }),
      targets: [new targets.LambdaFunction(this.function)],
    });
    this.errorAlarm = this.alarmOnErrors(props.alarmTopic);
    this.notRunningAlarm = this.alarmWhenNotRunning(props.alarmTopic);
    this.addDashboardRow(props.dashboard);
  }

  /**
   * Object Lock in compliance mode: no one, the account's root user included, can delete or
   * overwrite a digest version before its days are up. Versioned (Object Lock requires it),
   * under the audit key, TLS only, no public access or ACLs.
   */
  private digestBucket(props: AuditDigestsProps): s3.Bucket {
    // S3 rounds an expiry up to the next midnight UTC: a day more keeps it past the lock. A
    // version made noncurrent (by that expiry, or by a version put over it) goes a day later,
    // once its lock allows: S3 removes no locked version.
    const expiryDays = Duration.days(props.retentionDays + 1);
    const bucket = new s3.Bucket(this, 'Bucket', {
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(
        Duration.days(props.retentionDays),
      ),
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.auditKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        {
          id: 'ExpireDigestsAfterRetention',
          expiration: expiryDays,
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      // Kept whatever the deployment's removal policy: locked versions cannot be deleted before
      // their days are up, by `autoDeleteObjects` or anyone, so a stack that tried would stop at
      // DELETE_FAILED. The rule above removes them when they may be (docs/teardown.md).
      removalPolicy: RemovalPolicy.RETAIN,
    });
    (bucket.node.defaultChild as s3.CfnBucket).overrideLogicalId(
      `${props.logicalIdPrefix ?? ''}${digestBucketLogicalId}`,
    );
    return bucket;
  }

  /** What the handler calls, on exactly the resources it calls it on. */
  private dataPolicy(props: AuditDigestsProps): iam.ManagedPolicy {
    return new iam.ManagedPolicy(this, 'DataPolicy', {
      description:
        'The audit digest Lambda: audit trail and registry reads, digest writes, signing, logs',
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          // Each shard's records by time (Query), the delivery items the byTime index names
          // (BatchGetItem), the admin and erasure partitions (Query).
          sid: 'ReadAuditTrail',
          actions: ['dynamodb:Query', 'dynamodb:BatchGetItem'],
          resources: [props.auditTable.tableArn],
        }),
        new iam.PolicyStatement({
          sid: 'ListDeliveriesByTime',
          actions: ['dynamodb:Query'],
          resources: [`${props.auditTable.tableArn}/index/${byTimeIndex}`],
        }),
        new iam.PolicyStatement({
          // Projected to providerId: never the provider keys' ciphertexts.
          sid: 'ListProviderIds',
          actions: ['dynamodb:Scan'],
          resources: [props.registryTable.tableArn],
        }),
        new iam.PolicyStatement({
          // Versions too: a digest hidden under a delete marker must not be written again.
          sid: 'FindLastDigest',
          actions: ['s3:ListBucket', 's3:ListBucketVersions'],
          resources: [this.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': `${digestPrefix}*` } },
        }),
        new iam.PolicyStatement({
          // No s3:DeleteObject and no Object Lock action: what is written stays as written.
          sid: 'ReadAndWriteDigests',
          actions: ['s3:GetObject', 's3:PutObject'],
          resources: [this.bucket.arnForObjects(`${digestPrefix}*`)],
        }),
        new iam.PolicyStatement({
          sid: 'SignDigests',
          actions: ['kms:Sign', 'kms:GetPublicKey'],
          resources: [this.signingKey.keyArn],
        }),
        new iam.PolicyStatement({
          sid: 'WriteOwnLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [this.logGroup.logGroupArn],
        }),
      ],
    });
  }

  /** The calls the function makes, added to the VPC endpoints' policies. */
  private allowThroughEndpoints(props: AuditDigestsProps, network: IngestNetwork): void {
    const audit = props.auditTable.tableArn;
    network.allowThrough(
      'dynamodb',
      ['dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:Scan'],
      [audit, `${audit}/index/${byTimeIndex}`, props.registryTable.tableArn],
    );
    network.allowThrough(
      's3',
      ['s3:ListBucket', 's3:ListBucketVersions', 's3:GetObject', 's3:PutObject'],
      [this.bucket.bucketArn, this.bucket.arnForObjects(`${digestPrefix}*`)],
    );
    network.allowThrough('kms', ['kms:Sign', 'kms:GetPublicKey'], [this.signingKey.keyArn]);
  }

  private alarmOnErrors(topic: sns.ITopic): cloudwatch.Alarm {
    return alarmOnFailedRuns(this, this.function, {
      description:
        "A run of the audit digest function failed: no digest is written past the last one until a run succeeds (each run catches up, a day's periods at most). First check: the digest function's log for the error; `webhooks audit verify` shows where the digests stop.",
      period: Duration.seconds(auditDigests.periodSeconds),
      topic,
    });
  }

  private alarmWhenNotRunning(topic: sns.ITopic): cloudwatch.Alarm {
    return alarmWhenNotRunning(this, this.function, {
      description:
        "The audit digest function has not run for two periods: its schedule is disabled or gone, or EventBridge cannot invoke it. Digests stop until it runs; the next run catches up. First check: the digest schedule's EventBridge rule (enabled, its target the digest function) and the function's throttles.",
      period: Duration.seconds(auditDigests.periodSeconds),
      periods: 2,
      topic,
    });
  }

  private addDashboardRow(dashboard: cloudwatch.Dashboard): void {
    const period = Duration.seconds(auditDigests.periodSeconds);
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Audit digest runs',
        left: [
          this.function.metricInvocations({ statistic: cloudwatch.Stats.SUM, period }),
          this.function.metricErrors({ statistic: cloudwatch.Stats.SUM, period }),
          this.function.metricThrottles({ statistic: cloudwatch.Stats.SUM, period }),
        ],
        leftYAxis: { min: 0, showUnits: false },
        width: 12,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Audit digest run time',
        left: [this.function.metricDuration({ statistic: cloudwatch.Stats.MAXIMUM, period })],
        leftYAxis: { min: 0 },
        width: 6,
        height: 6,
      }),
      new cloudwatch.AlarmStatusWidget({
        title: 'Audit digest alarms',
        alarms: [this.errorAlarm, this.notRunningAlarm],
        width: 6,
        height: 6,
      }),
    );
  }
}

const account = () => new iam.AccountRootPrincipal();

/** Auditors and the CLI (`audit verify`, `audit public-key`), as IAM allows them, verify. */
function verificationByAccount(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DigestVerificationByAccount',
    principals: [account()],
    actions: ['kms:GetPublicKey', 'kms:Verify', 'kms:DescribeKey'],
    resources: ['*'],
  });
}

/** The function's role, and no one else, signs: SHA-256 digests with ECDSA, nothing else. */
function signingBy(role: iam.IRole): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DigestSigningByDigestFunction',
    principals: [role],
    actions: ['kms:Sign'],
    resources: ['*'],
    conditions: {
      StringEquals: { 'kms:SigningAlgorithm': signingAlgorithm, 'kms:MessageType': messageType },
    },
  });
}

/**
 * The digest objects are under the audit key: the function writes and reads them through S3,
 * and the account's auditors, as IAM allows them, read them through S3. Not bound to the
 * bucket's ARN: the key policy would then wait for the bucket, which waits for the key.
 */
function grantBucketKey(auditKey: kms.IKey, role: iam.IRole): void {
  auditKey.addToResourcePolicy(
    throughS3('DigestFunctionWritesDigests', role, ['kms:GenerateDataKey', 'kms:Decrypt']),
  );
  auditKey.addToResourcePolicy(throughS3('DigestsReadByAuditors', account(), ['kms:Decrypt']));
}

function throughS3(sid: string, principal: iam.IPrincipal, keyActions: string[]) {
  return new iam.PolicyStatement({
    sid,
    principals: [principal],
    actions: keyActions,
    resources: ['*'],
    conditions: {
      StringEquals: {
        'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com`,
        'kms:CallerAccount': Aws.ACCOUNT_ID,
      },
    },
  });
}

/**
 * DynamoDB decrypts the two tables' items for the function: each key lets the role use it
 * through DynamoDB only, to read (the ingest function's grants also write).
 */
function grantTableReads(props: AuditDigestsProps, role: iam.IRole): void {
  const read = (sid: string) =>
    new iam.PolicyStatement({
      sid,
      principals: [role],
      actions: ['kms:Decrypt', 'kms:DescribeKey'],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Aws.REGION}.amazonaws.com` } },
    });
  props.auditKey.addToResourcePolicy(read('DigestFunctionReadsAuditTable'));
  props.secretsKey.addToResourcePolicy(read('DigestFunctionReadsRegistryTable'));
}

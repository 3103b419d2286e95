/**
 * The access trail (`accessTrail`, on under pci-dss and hipaa): a CloudTrail trail of every
 * access to the deployment's data that does not go through the CLI, which writes an admin record
 * for its own reads. A direct read of the audit table, a receive from the queue, a fetch of a
 * digest or a KMS Decrypt would otherwise leave nothing (PCI DSS 10.2.1, 10.2.1.3; HIPAA
 * §164.312(b)).
 *
 * Data events, by advanced event selectors naming exactly this deployment's resources: the audit
 * and registry tables, the delivery queue and its dead-letter queue, the digest and payload
 * buckets' objects, and reads of the trail's own bucket (its writes are CloudTrail's own
 * deliveries, which would log themselves in a loop). Management events, read and write, with
 * nothing excluded: KMS's Decrypt and GenerateDataKey on the stack's keys are management events,
 * and a selector for them cannot name a key. Single-region: every resource and key of the stack
 * is in its region, and a multi-region trail would copy every other region's management events
 * too, for resources this stack does not own.
 *
 * Delivered, with log file validation (hourly signed digest files), to a bucket of its own under
 * Object Lock in compliance mode for the deployment's log retention, encrypted with a key of its
 * own: the trail records every use of the audit key, so its files, the evidence, are not under
 * that key, and its key policy lets CloudTrail encrypt for this trail only and the account's
 * principals, as IAM allows, decrypt this trail's files through S3 only. Also sent to a log
 * group of the deployment's (under the audit key, kept `logRetentionDays`), where Logs Insights
 * queries and metric filters read it: CloudWatch Logs ingestion costs less per event than the
 * data event itself (docs/cost.md), and AWS Control Tower's CT.CLOUDTRAIL.PR.3 and the cdk-nag
 * packs require it. Every grant is written out here.
 */
import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { administration, grantsOnlyForAwsServices } from './key-policies.ts';
import { keyPendingWindowDays } from './keys.ts';
import { encryptedLogGroup, type LogGroupSettings } from './log-groups.ts';

/**
 * The trail's and its bucket's logical ids, fixed (as the payload and digest buckets' are) so
 * that the compliance controls and acknowledgements name them in every app.
 */
export const accessTrailLogicalId = 'AccessTrail';
export const accessTrailBucketLogicalId = 'AccessTrailBucket';

/** The longest trail name CloudTrail accepts. */
const maxTrailNameLength = 128;

/** The CloudTrail service, the one principal that writes the trail's files. */
const cloudTrail = 'cloudtrail.amazonaws.com';

export interface AccessTrailProps {
  /** Fixed, one per account and region (infra/outputs.ts `instanceNames`). */
  readonly trailName: string;
  /** The tables whose items it logs every read and write of: the audit and registry tables. */
  readonly tables: readonly Pick<dynamodb.ITable, 'tableArn'>[];
  /** The queues whose every send, receive and delete it logs. */
  readonly queues: readonly Pick<sqs.IQueue, 'queueArn'>[];
  /** The buckets whose every object read and write it logs: the digest and payload buckets. */
  readonly buckets: readonly Pick<s3.IBucket, 'bucketArn'>[];
  /**
   * The deployment's log settings: the log group the trail is also sent to takes them as every
   * log group does; each file in the bucket is locked and kept `retentionDays`; the trail's key
   * follows `removalPolicy` (RETAIN keeps it, so that the files stay readable; DESTROY, baseline
   * only, schedules its deletion). The locked bucket is kept either way, as the digest bucket is.
   */
  readonly logs: LogGroupSettings;
  /**
   * Before the fixed logical ids: the instance's name, so that several instances' trails fit in
   * one stack.
   * @default '' - the unnamed instance's
   */
  readonly logicalIdPrefix?: string;
}

export class AccessTrail extends Construct {
  readonly trail: cloudtrail.CfnTrail;
  /** Object Lock in compliance mode for `retentionDays`, versioned, under `key`. */
  readonly bucket: s3.Bucket;
  /** The trail's own key, symmetric, rotated yearly. */
  readonly key: kms.Key;
  /** The copy of the trail that Logs Insights and metric filters read. */
  readonly logGroup: logs.LogGroup;
  /** The role CloudTrail assumes, for this trail only, to write to `logGroup`. */
  readonly logsRole: iam.Role;
  /** Built from the fixed name, so that the key and bucket policies need not wait for the trail. */
  readonly trailArn: string;
  readonly retentionDays: number;

  constructor(scope: Construct, id: string, props: AccessTrailProps) {
    super(scope, id);
    // CloudTrail's limit; a stack name may be as long, so a long one cannot name its trail.
    if (props.trailName.length > maxTrailNameLength) {
      throw new Error(
        `the access trail's name '${props.trailName}' is longer than CloudTrail's ${maxTrailNameLength} characters: use a shorter stack or instance name`,
      );
    }
    this.retentionDays = props.logs.retentionDays;
    const prefix = props.logicalIdPrefix ?? '';
    this.trailArn = Stack.of(this).formatArn({
      service: 'cloudtrail',
      resource: 'trail',
      resourceName: props.trailName,
    });
    this.key = this.trailKey(props.logs.removalPolicy);
    this.bucket = this.trailBucket(props.logs.retentionDays);
    (this.bucket.node.defaultChild as s3.CfnBucket).overrideLogicalId(
      `${prefix}${accessTrailBucketLogicalId}`,
    );
    this.allowDelivery();
    this.logGroup = encryptedLogGroup(this, 'LogGroup', props.logs);
    this.logsRole = new iam.Role(this, 'LogsRole', {
      assumedBy: new iam.ServicePrincipal(cloudTrail, {
        conditions: { StringEquals: { 'aws:SourceArn': this.trailArn } },
      }),
      description: 'CloudTrail, for the access trail only: write its events to its log group',
    });
    const logsPolicy = new iam.ManagedPolicy(this, 'LogsPolicy', {
      description: "The access trail's delivery to its log group, and nothing else",
      roles: [this.logsRole],
      statements: [
        new iam.PolicyStatement({
          sid: 'TrailWritesItsLogGroup',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          // The group's ARN attribute ends in `:*`, which covers its streams.
          resources: [this.logGroup.logGroupArn],
        }),
      ],
    });

    this.trail = new cloudtrail.CfnTrail(this, 'Trail', {
      trailName: props.trailName,
      isLogging: true,
      s3BucketName: this.bucket.bucketName,
      kmsKeyId: this.key.keyArn,
      enableLogFileValidation: true,
      cloudWatchLogsLogGroupArn: this.logGroup.logGroupArn,
      cloudWatchLogsRoleArn: this.logsRole.roleArn,
      isMultiRegionTrail: false,
      // IAM's and STS's events are delivered to trails in us-east-1 and multi-region trails
      // only; they are the account's, for its organization trail, not this stack's.
      includeGlobalServiceEvents: false,
      advancedEventSelectors: this.selectors(props),
    });
    this.trail.overrideLogicalId(`${prefix}${accessTrailLogicalId}`);
    // CloudTrail checks the bucket policy when the trail is created or changed.
    if (this.bucket.policy !== undefined) this.trail.node.addDependency(this.bucket.policy);
    // And that it may write to the log group.
    this.trail.node.addDependency(logsPolicy);
  }

  /** The data events of exactly this deployment's resources, and every management event. */
  private selectors(props: AccessTrailProps): cloudtrail.CfnTrail.AdvancedEventSelectorProperty[] {
    const data = (
      name: string,
      type: string,
      arns: { readonly equalTo?: string[]; readonly startsWith?: string[] },
      readOnly = false,
    ): cloudtrail.CfnTrail.AdvancedEventSelectorProperty => ({
      name,
      fieldSelectors: [
        { field: 'eventCategory', equalTo: ['Data'] },
        { field: 'resources.type', equalTo: [type] },
        { field: 'resources.ARN', ...arns },
        ...(readOnly ? [{ field: 'readOnly', equalTo: ['true'] }] : []),
      ],
    });
    // An object ARN is its bucket's ARN, `/` and its key: the `/` keeps a bucket whose name
    // starts with another's out.
    const objectsOf = (bucket: Pick<s3.IBucket, 'bucketArn'>) => `${bucket.bucketArn}/`;
    return [
      data('Audit and registry tables', 'AWS::DynamoDB::Table', {
        equalTo: props.tables.map((table) => table.tableArn),
      }),
      data('Delivery and dead-letter queues', 'AWS::SQS::Queue', {
        equalTo: props.queues.map((queue) => queue.queueArn),
      }),
      data('Digest and payload objects', 'AWS::S3::Object', {
        startsWith: props.buckets.map(objectsOf),
      }),
      data(
        'Reads of the trail files',
        'AWS::S3::Object',
        { startsWith: [objectsOf(this.bucket)] },
        true,
      ),
      {
        name: 'Management events, KMS use of the keys included',
        fieldSelectors: [{ field: 'eventCategory', equalTo: ['Management'] }],
      },
    ];
  }

  /**
   * A symmetric key with yearly rotation and exactly these statements as its policy, a
   * `kms.Key` as the digest signing key is (infra/audit-digests.ts), so that the construct's key
   * guard and key change alarm cover it: CloudTrail may generate data keys for this trail's files
   * only (`aws:SourceArn`, and a trail of the account in the encryption context) and describe
   * the key; the account's principals, as their IAM policies allow, may decrypt this trail's
   * files through S3 only.
   * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
   */
  private trailKey(removalPolicy: RemovalPolicy): kms.Key {
    const service = new iam.ServicePrincipal(cloudTrail);
    const fromThisTrail = { 'aws:SourceArn': this.trailArn };
    return new kms.Key(this, 'Key', {
      description: 'The access trail of webhook-ingestion: its log and digest files',
      enableKeyRotation: true,
      pendingWindow: Duration.days(keyPendingWindowDays(removalPolicy)),
      policy: new iam.PolicyDocument({
        statements: [
          administration(),
          new iam.PolicyStatement({
            sid: 'TrailFilesEncryptedByCloudTrail',
            principals: [service],
            actions: ['kms:GenerateDataKey'],
            resources: ['*'],
            conditions: {
              StringEquals: fromThisTrail,
              StringLike: {
                'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${Aws.PARTITION}:cloudtrail:*:${Aws.ACCOUNT_ID}:trail/*`,
              },
            },
          }),
          new iam.PolicyStatement({
            sid: 'KeyDescribedByCloudTrail',
            principals: [service],
            actions: ['kms:DescribeKey'],
            resources: ['*'],
            conditions: { StringEquals: fromThisTrail },
          }),
          new iam.PolicyStatement({
            sid: 'TrailFilesDecryptedByAuditors',
            principals: [new iam.AccountRootPrincipal()],
            actions: ['kms:Decrypt'],
            resources: ['*'],
            conditions: {
              StringEquals: {
                'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com`,
                'kms:CallerAccount': Aws.ACCOUNT_ID,
                'kms:EncryptionContext:aws:cloudtrail:arn': this.trailArn,
              },
            },
          }),
          grantsOnlyForAwsServices(),
        ],
      }),
      removalPolicy,
    });
  }

  /**
   * Object Lock in compliance mode: no one, the account's root user included, can delete or
   * overwrite a trail file before its days are up, and log file validation shows any file
   * missing or changed. As the digest bucket: versioned, TLS only, no public access or ACLs,
   * expired a day after the lock ends, kept when the stack is deleted (a locked bucket cannot be
   * emptied early).
   */
  private trailBucket(retentionDays: number): s3.Bucket {
    return new s3.Bucket(this, 'Bucket', {
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(retentionDays)),
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      // CloudTrail encrypts each file under its own data key; a Bucket Key would also need
      // kms:Decrypt for CloudTrail.
      bucketKeyEnabled: false,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        {
          id: 'ExpireTrailFilesAfterRetention',
          // S3 rounds an expiry up to the next midnight UTC: a day more keeps it past the lock.
          expiration: Duration.days(retentionDays + 1),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * CloudTrail, for this trail only, may read the bucket's ACL and put files under the account's
   * prefix, owned by the bucket's owner.
   * @see https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
   */
  private allowDelivery(): void {
    const service = new iam.ServicePrincipal(cloudTrail);
    const fromThisTrail = { 'aws:SourceArn': this.trailArn };
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'TrailChecksBucketAcl',
        principals: [service],
        actions: ['s3:GetBucketAcl'],
        resources: [this.bucket.bucketArn],
        conditions: { StringEquals: fromThisTrail },
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'TrailWritesFiles',
        principals: [service],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`AWSLogs/${Aws.ACCOUNT_ID}/*`)],
        conditions: {
          StringEquals: { ...fromThisTrail, 's3:x-amz-acl': 'bucket-owner-full-control' },
        },
      }),
    );
  }
}

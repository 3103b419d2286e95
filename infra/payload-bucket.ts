/**
 * The payload bucket (functions/config/buckets.ts): bodies too large for a queue message, each
 * kept until its message is consumed at the latest. Encrypted with the queue key, as the
 * messages that point to it are (the same data class); TLS 1.2 or later only; no public access,
 * no ACLs; objects expire before the queue's retention ends; no versions, so a deleted object
 * (by erasure or expiry) leaves no copy behind. Every grant is written out here: the ingest
 * role may put objects, and the account's consumers may decrypt them through S3 only. Kept
 * when the stack is deleted, or (`removalPolicy: 'destroy'`, baseline only) emptied and deleted.
 */
import { Aws, CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { payloadBucket } from '../functions/config/buckets.ts';
import { encryptedLogGroup, type LogGroupSettings } from './log-groups.ts';

/** The oldest TLS version the bucket policy lets through. */
export const payloadBucketMinimumTlsVersion = 1.2;

/**
 * The bucket's logical id, fixed (as the outputs' are) so that the one wildcard of the ingest
 * role's policy, on the bucket's objects, reads the same in every app and can be acknowledged
 * by name (compliance/acknowledgements.ts).
 */
export const payloadBucketLogicalId = 'PayloadBucket';

/** The stack-wide custom resource provider `autoDeleteObjects` adds (aws-cdk-lib's id). */
const autoDeleteProviderId = 'Custom::S3AutoDeleteObjectsCustomResourceProvider';

/** What deleting the stack does to the bucket. */
export interface PayloadBucketRemoval {
  /**
   * RETAIN keeps the bucket, whose objects expire by its lifecycle rule anyway; DESTROY empties
   * it (`autoDeleteObjects`) and deletes it with the stack: CloudFormation deletes no bucket
   * that still holds objects.
   */
  readonly removalPolicy: RemovalPolicy;
  /** Where the function that empties the bucket logs, on DESTROY. */
  readonly logs: LogGroupSettings;
  /**
   * Before the fixed logical id: the instance's name, so that several instances' buckets fit in
   * one stack (compliance/acknowledgements.ts names the bucket with it).
   * @default '' - the unnamed instance's
   */
  readonly logicalIdPrefix?: string;
}

export class PayloadBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly #key: kms.IKey;

  constructor(scope: Construct, id: string, key: kms.IKey, removal: PayloadBucketRemoval) {
    super(scope, id);
    this.#key = key;
    const destroy = removal.removalPolicy === RemovalPolicy.DESTROY;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: key,
      // One data key per bucket for a while rather than a KMS call per object.
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: payloadBucketMinimumTlsVersion,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      lifecycleRules: [
        {
          id: 'ExpireBodiesWithinQueueRetention',
          expiration: Duration.days(payloadBucket.expirationDays),
          // The ingest Lambda writes single objects; nothing should linger half written.
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      // Kept, its objects expire by the rule above whether or not the stack still exists.
      removalPolicy: removal.removalPolicy,
      autoDeleteObjects: destroy,
    });
    (this.bucket.node.defaultChild as s3.CfnBucket).overrideLogicalId(
      `${removal.logicalIdPrefix ?? ''}${payloadBucketLogicalId}`,
    );
    if (destroy) logAutoDelete(this, removal.logs);
    this.#key.addToResourcePolicy(
      this.#useThroughS3('BodyObjectsDecryptedByConsumers', new iam.AccountRootPrincipal(), [
        'kms:Decrypt',
      ]),
    );
  }

  /** Lets `role` write bodies: s3:PutObject on the objects, the key through S3 for this bucket. */
  grantWrite(role: iam.IRole): iam.PolicyStatement {
    this.#key.addToResourcePolicy(
      this.#useThroughS3('IngestWritesBodyObjects', role, ['kms:GenerateDataKey', 'kms:Decrypt']),
    );
    return new iam.PolicyStatement({
      sid: 'KeepLargeBodiesInPayloadBucket',
      actions: ['s3:PutObject'],
      resources: [this.bucket.arnForObjects('*')],
    });
  }

  /**
   * `principal` may use the key through S3 only, as `queueConsumersOfAccount` does through SQS;
   * which bucket is IAM's to say (s3:PutObject, s3:GetObject). The bucket's ARN cannot be the
   * condition: the key policy would then wait for the bucket, which waits for the key.
   */
  #useThroughS3(sid: string, principal: iam.IPrincipal, actions: string[]): iam.PolicyStatement {
    return new iam.PolicyStatement({
      sid,
      principals: [principal],
      actions,
      resources: ['*'],
      conditions: {
        StringEquals: {
          'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com`,
          'kms:CallerAccount': Aws.ACCOUNT_ID,
        },
      },
    });
  }
}

/**
 * `autoDeleteObjects` empties the bucket through a CDK-provided custom resource Lambda, which
 * would otherwise log to a group of its own, unencrypted and kept forever: the one thing a
 * `destroy` teardown would leave. Its logs go to an encrypted group with the deployment's
 * retention, which the stack deletes after the function (it depends on the group) has run.
 */
function logAutoDelete(scope: Construct, logs: LogGroupSettings): void {
  const handler = Stack.of(scope)
    .node.tryFindChild(autoDeleteProviderId)
    ?.node.tryFindChild('Handler');
  if (!(handler instanceof CfnResource)) {
    throw new Error('the CDK custom resource that empties the payload bucket moved');
  }
  const logGroup = encryptedLogGroup(scope, 'AutoDeleteLogGroup', logs);
  handler.addPropertyOverride('LoggingConfig', { LogGroup: logGroup.logGroupName });
}

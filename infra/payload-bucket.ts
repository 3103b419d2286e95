/**
 * The payload bucket (functions/config/buckets.ts): bodies too large for a queue message, each
 * kept until its message is consumed at the latest. Encrypted with the queue key, as the
 * messages that point to it are (the same data class); TLS 1.2 or later only; no public access,
 * no ACLs; objects expire before the queue's retention ends; no versions, so a deleted object
 * (by erasure or expiry) leaves no copy behind. Every grant is written out here: the ingest
 * role may put objects, and the account's consumers may decrypt them through S3 only.
 */
import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { payloadBucket } from '../functions/config/buckets.ts';

/** The oldest TLS version the bucket policy lets through. */
export const payloadBucketMinimumTlsVersion = 1.2;

/**
 * The bucket's logical id, fixed (as the outputs' are) so that the one wildcard of the ingest
 * role's policy, on the bucket's objects, reads the same in every app and can be acknowledged
 * by name (compliance/acknowledgements.ts).
 */
export const payloadBucketLogicalId = 'PayloadBucket';

export class PayloadBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly #key: kms.IKey;

  constructor(scope: Construct, id: string, key: kms.IKey) {
    super(scope, id);
    this.#key = key;
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
      // Its objects expire by the rule above whether or not the stack still exists.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    (this.bucket.node.defaultChild as s3.CfnBucket).overrideLogicalId(payloadBucketLogicalId);
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

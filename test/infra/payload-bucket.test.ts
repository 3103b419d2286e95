/**
 * The payload bucket and the FIFO queues as the synthesized template has them: the settings
 * functions/config gives, the grants around them, and in a VPC the endpoint that reaches S3.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, policyStatements, resourcesOfType } from '../../compliance/report/template.ts';
import { payloadBucket } from '../../functions/config/buckets.ts';
import { queueMaxMessageBytes } from '../../functions/config/limits.ts';
import { deadLetterQueue, deliveryQueue } from '../../functions/config/queues.ts';
import { operatorOutputKeys } from '../../infra/output-names.ts';
import { payloadBucketLogicalId } from '../../infra/payload-bucket.ts';
import { queueLogicalIds } from '../../infra/queues.ts';
import { type Deployment, deployment, ingestLambda, outputRef, propertyOf } from './deployment.ts';

const bucketRef = { Ref: payloadBucketLogicalId };
const bucketArn = { 'Fn::GetAtt': [payloadBucketLogicalId, 'Arn'] };
const bucketObjects = { 'Fn::Join': ['', [bucketArn, '/*']] };

let d: Deployment;
let vpc: Deployment;

beforeAll(() => {
  d = deployment({ profiles: 'baseline' });
  // hipaa places the Lambda in a VPC with no route out.
  vpc = deployment({ profiles: 'gdpr,hipaa', front: 'rest' });
}, 300_000);

const queueKeyArn = () => ({
  'Fn::GetAtt': [outputRef(d.cloudFormation, operatorOutputKeys.queueKeyId), 'Arn'],
});

describe('the payload bucket', () => {
  it('encrypts with the queue key (SSE-KMS, a bucket key), blocks public access and ACLs', () => {
    // Besides it, only the audit digests' bucket (test/infra/audit-digests.test.ts).
    expect(
      resourcesOfType(d.cloudFormation, 'AWS::S3::Bucket')
        .map(({ id }) => id)
        .sort(),
    ).toEqual(['DigestBucket', payloadBucketLogicalId]);
    d.template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: queueKeyArn(),
            },
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      VersioningConfiguration: Match.absent(),
    });
  });

  it('expires every object before the queue would have dropped its message', () => {
    d.template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            Status: 'Enabled',
            ExpirationInDays: payloadBucket.expirationDays,
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          }),
        ],
      },
    });
    // S3 rounds an expiry up to the next midnight UTC: at most one day more than the rule.
    const latestDays = payloadBucket.expirationDays + 1;
    expect(latestDays * 86_400).toBeLessThanOrEqual(deliveryQueue.retentionSeconds);
    expect(payloadBucket.expirationDays).toBeGreaterThan(0);
  });

  it('refuses every request without TLS, and below TLS 1.2', () => {
    const denies = (condition: Record<string, unknown>) =>
      d.template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: bucketRef,
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: condition,
              Resource: [bucketArn, bucketObjects],
            }),
          ]),
        },
      });
    denies({ Bool: { 'aws:SecureTransport': 'false' } });
    denies({ NumericLessThan: { 's3:TlsVersion': 1.2 } });
  });

  it('is kept when the stack is deleted: its objects still expire by the rule', () => {
    d.template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('is named to the Lambda and to operators, and nothing else of it', () => {
    const { Variables: variables } = propertyOf<{ Variables: Record<string, unknown> }>(
      ingestLambda(d.cloudFormation),
      'Environment',
    );
    expect(variables[payloadBucket.nameVariable]).toEqual(bucketRef);
    expect(outputRef(d.cloudFormation, operatorOutputKeys.payloadBucketName)).toBe(
      payloadBucketLogicalId,
    );
  });
});

describe('the grants on the payload bucket', () => {
  it('lets the ingest role put objects in it, and nothing more of S3', () => {
    const s3Statements = policyStatements(d.cloudFormation).filter(
      ({ type, statement }) =>
        type === 'AWS::IAM::ManagedPolicy' &&
        actionsOf(statement).some((action) => action.startsWith('s3:')) &&
        !JSON.stringify(statement.Resource).includes('DigestBucket'),
    );
    expect(s3Statements.map(({ statement }) => statement)).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: bucketObjects,
      }),
    ]);
  });

  it('lets the key be used through S3 only: data keys for the ingest role, Decrypt for consumers', () => {
    const viaS3 = {
      StringEquals: {
        'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
        'kms:CallerAccount': { Ref: 'AWS::AccountId' },
      },
    };
    const keyId = outputRef(d.cloudFormation, operatorOutputKeys.queueKeyId);
    const statements = policyStatements(d.cloudFormation)
      .filter(({ owner }) => owner === keyId)
      .map(({ statement }) => statement);
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Sid: 'IngestWritesBodyObjects',
          Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
          Condition: viaS3,
        }),
        expect.objectContaining({
          Sid: 'BodyObjectsDecryptedByConsumers',
          Action: 'kms:Decrypt',
          Condition: viaS3,
        }),
      ]),
    );
  });

  it('reaches S3 from the isolated VPC through a gateway endpoint limited to those puts', () => {
    const endpoints = resourcesOfType(vpc.cloudFormation, 'AWS::EC2::VPCEndpoint').filter(
      ({ resource }) => JSON.stringify(resource.Properties?.ServiceName ?? '').includes('.s3'),
    );
    expect(endpoints).toHaveLength(1);
    const properties = endpoints[0]?.resource.Properties as {
      PolicyDocument: { Statement: Record<string, unknown>[] };
    };
    // The digest function's own calls on its bucket pass too (test/infra/audit-digests.test.ts).
    const onPayloads = properties.PolicyDocument.Statement.filter(
      (statement) => !JSON.stringify(statement.Resource).includes('DigestBucket'),
    );
    expect({ ...properties, PolicyDocument: { Statement: onPayloads } }).toMatchObject({
      VpcEndpointType: 'Gateway',
      PolicyDocument: {
        Statement: [
          expect.objectContaining({
            Effect: 'Allow',
            Action: 's3:PutObject',
            Resource: {
              'Fn::Join': ['', [{ 'Fn::GetAtt': [payloadBucketLogicalId, 'Arn'] }, '/*']],
            },
          }),
        ],
      },
    });
  });
});

describe('the queues', () => {
  it('are both FIFO in high-throughput mode, 1 MiB messages, as functions/config says', () => {
    for (const definition of [deliveryQueue, deadLetterQueue]) {
      expect(definition).toMatchObject({
        fifo: true,
        deduplicationScope: 'messageGroup',
        fifoThroughputLimit: 'perMessageGroupId',
        maxMessageBytes: 1_048_576,
      });
      expect(definition.localName).toMatch(/\.fifo$/);
    }
    d.template.resourceCountIs('AWS::SQS::Queue', 2);
    d.template.allResourcesProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      MaximumMessageSize: queueMaxMessageBytes,
      ContentBasedDeduplication: Match.absent(),
    });
  });

  it('keep short logical ids, so that the name CloudFormation makes fits in 80 characters', () => {
    const ids = resourcesOfType(d.cloudFormation, 'AWS::SQS::Queue').map(({ id }) => id);
    expect(ids.sort()).toEqual(Object.values(queueLogicalIds).sort());
    // `<stack>-<logical id>-<13-character suffix>.fifo`, for this test's stack name.
    for (const id of ids) {
      expect(`${d.stack.stackName}-${id}-${'X'.repeat(13)}.fifo`.length).toBeLessThanOrEqual(80);
    }
  });
});

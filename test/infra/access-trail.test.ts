/**
 * The access trail (infra/access-trail.ts): none by default; under pci-dss and hipaa a CloudTrail
 * trail whose data event selectors name exactly the deployment's tables, queues and the digest
 * and payload buckets (and reads of its own bucket), with every management event, log file
 * validation, a key of its own, a locked bucket and a log group. Those profiles refuse to turn
 * it off. Nag-clean and cfn-lint-clean. Each configuration is synthesized once for the file.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { complianceProfiles } from '../../compliance/profiles.ts';
import { accessTrailBucketLogicalId, accessTrailLogicalId } from '../../infra/access-trail.ts';
import { readAppContext } from '../../infra/context.ts';
import {
  operatorOutputKeys,
  optionalOutputKeys,
  stackOutputKeys,
} from '../../infra/output-names.ts';
import { DeploymentSettingsError, resolveSettings } from '../../infra/settings.ts';
import { type Deployment, deployment, nagFindings, outputRef } from './deployment.ts';

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly DependsOn?: string[];
}
type Statement = Record<string, unknown>;

const alarmEmail = 'alarms@example.com';
const contextOf = (profiles: string) => ({ profiles, alarmEmail });
const resourcesOf = (d: Deployment) => d.template.toJSON().Resources as Record<string, Resource>;
const ofType = (d: Deployment, type: string) =>
  Object.entries(resourcesOf(d)).filter(([, resource]) => resource.Type === type);
const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
/** An object ARN prefix: the bucket's ARN and `/`. */
const objectsOf = (id: string) => ({ 'Fn::Join': ['', [getAtt(id), '/']] });
const statementsOf = (resource: Resource | undefined, policy: string): Statement[] =>
  (resource?.Properties[policy] as { Statement?: Statement[] } | undefined)?.Statement ?? [];

describe('by default (baseline)', () => {
  let d: Deployment;
  beforeAll(() => {
    d = deployment({ profiles: 'baseline' });
  }, 120_000);

  it('has no access trail, and no output of one', () => {
    expect(ofType(d, 'AWS::CloudTrail::Trail')).toEqual([]);
    expect(d.ingestion.accessTrail).toBeUndefined();
    const outputs = Object.keys(d.template.toJSON().Outputs as object);
    expect(outputs).not.toContain(optionalOutputKeys.accessTrailArn);
    expect(outputs).not.toContain(optionalOutputKeys.accessTrailBucketName);
  });
});

describe.each(['pci-dss', 'hipaa'] as const)('with %s', (profile) => {
  let d: Deployment;
  beforeAll(() => {
    d = deployment(contextOf(profile));
  }, 120_000);
  const days = complianceProfiles[profile].logRetentionDays;
  const trail = () => {
    const resource = resourcesOf(d)[accessTrailLogicalId];
    if (resource === undefined) throw new Error('no access trail');
    return resource;
  };
  const keyId = () =>
    (trail().Properties.KMSKeyId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const ref = (key: string) => outputRef(d.cloudFormation, key);

  it('logs to its bucket with log file validation, under a key of its own, in one region', () => {
    expect(ofType(d, 'AWS::CloudTrail::Trail')).toHaveLength(1);
    expect(trail().Properties).toMatchObject({
      TrailName: 'webhook-ingestion-test-access',
      IsLogging: true,
      EnableLogFileValidation: true,
      IsMultiRegionTrail: false,
      S3BucketName: { Ref: accessTrailBucketLogicalId },
      KMSKeyId: getAtt(keyId()),
    });
    // Neither a data key nor the digest signing key: the trail records their use.
    expect(keyId()).not.toBe(ref(stackOutputKeys.auditKeyId));
    expect(resourcesOf(d)[keyId()]?.Properties).toMatchObject({ EnableKeyRotation: true });
    expect(trail().DependsOn).toEqual(
      expect.arrayContaining([expect.stringMatching(/^WebhookIngestionAccessTrailBucketPolicy/)]),
    );
  });

  it('selects the data events of exactly the tables, queues and buckets, and every management event', () => {
    const selectors = trail().Properties.AdvancedEventSelectors as {
      Name: string;
      FieldSelectors: Record<string, unknown>[];
    }[];
    const data = (type: string, arns: Record<string, unknown>, readOnly?: true) => [
      { Field: 'eventCategory', Equals: ['Data'] },
      { Field: 'resources.type', Equals: [type] },
      { Field: 'resources.ARN', ...arns },
      ...(readOnly ? [{ Field: 'readOnly', Equals: ['true'] }] : []),
    ];
    expect(selectors.map((selector) => selector.FieldSelectors)).toEqual([
      data('AWS::DynamoDB::Table', {
        Equals: [
          getAtt(ref(stackOutputKeys.auditTableName)),
          getAtt(ref(stackOutputKeys.registryTableName)),
        ],
      }),
      data('AWS::SQS::Queue', {
        Equals: [
          getAtt(ref(operatorOutputKeys.queueArn)),
          getAtt(ref(operatorOutputKeys.deadLetterQueueUrl)),
        ],
      }),
      data('AWS::S3::Object', {
        StartsWith: [
          objectsOf(ref(operatorOutputKeys.digestBucketName)),
          objectsOf(ref(operatorOutputKeys.payloadBucketName)),
        ],
      }),
      data('AWS::S3::Object', { StartsWith: [objectsOf(accessTrailBucketLogicalId)] }, true),
      [{ Field: 'eventCategory', Equals: ['Management'] }],
    ]);
  });

  it(`keeps its files locked in compliance mode for ${days} days, under its key, TLS only`, () => {
    const bucket = resourcesOf(d)[accessTrailBucketLogicalId];
    expect(bucket?.DeletionPolicy).toBe('Retain');
    expect(bucket?.Properties).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: days } },
      },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: getAtt(keyId()),
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
      LifecycleConfiguration: {
        Rules: [expect.objectContaining({ ExpirationInDays: days + 1, Status: 'Enabled' })],
      },
    });
    const [, policy] =
      ofType(d, 'AWS::S3::BucketPolicy').find(
        ([, resource]) =>
          JSON.stringify(resource.Properties.Bucket) ===
          JSON.stringify({ Ref: accessTrailBucketLogicalId }),
      ) ?? [];
    const statements = statementsOf(policy, 'PolicyDocument');
    expect(statements.find((s) => s.Effect === 'Deny')).toMatchObject({
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    const write = statements.find((s) => s.Sid === 'TrailWritesFiles');
    expect(write).toMatchObject({
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 's3:PutObject',
      Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } },
    });
    expect(JSON.stringify(write)).toContain(':trail/webhook-ingestion-test-access');
  });

  it("lets CloudTrail encrypt this trail's files only, and the account decrypt them through S3 only", () => {
    const statements = statementsOf(resourcesOf(d)[keyId()], 'KeyPolicy');
    const bySid = (sid: string) => statements.find((s) => s.Sid === sid);
    expect(bySid('TrailFilesEncryptedByCloudTrail')).toMatchObject({
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 'kms:GenerateDataKey',
      Condition: {
        StringEquals: { 'aws:SourceArn': expect.anything() },
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': expect.anything() },
      },
    });
    expect(JSON.stringify(bySid('TrailFilesEncryptedByCloudTrail'))).toContain(
      ':trail/webhook-ingestion-test-access',
    );
    expect(bySid('TrailFilesDecryptedByAuditors')).toMatchObject({
      Action: 'kms:Decrypt',
      Condition: {
        StringEquals: {
          'kms:ViaService': expect.anything(),
          'kms:EncryptionContext:aws:cloudtrail:arn': expect.anything(),
        },
      },
    });
    // Nobody else may use the key on data.
    const dataUse = statements.filter(
      (s) =>
        s.Effect === 'Allow' &&
        [s.Action].flat().some((action) => /Decrypt|Encrypt|GenerateDataKey/.test(String(action))),
    );
    expect(dataUse.map((s) => s.Sid)).toEqual([
      'TrailFilesEncryptedByCloudTrail',
      'TrailFilesDecryptedByAuditors',
    ]);
  });

  it(`sends its events to an encrypted log group kept ${days} days, through a role for this trail only`, () => {
    const group = (trail().Properties.CloudWatchLogsLogGroupArn as { 'Fn::GetAtt': string[] })[
      'Fn::GetAtt'
    ][0] as string;
    expect(resourcesOf(d)[group]?.Properties).toMatchObject({
      RetentionInDays: days,
      KmsKeyId: getAtt(ref(stackOutputKeys.auditKeyId)),
    });
    const role = (trail().Properties.CloudWatchLogsRoleArn as { 'Fn::GetAtt': string[] })[
      'Fn::GetAtt'
    ][0] as string;
    const [trust] = statementsOf(resourcesOf(d)[role], 'AssumeRolePolicyDocument');
    expect(trust).toMatchObject({ Principal: { Service: 'cloudtrail.amazonaws.com' } });
    expect(JSON.stringify(trust)).toContain(':trail/webhook-ingestion-test-access');
  });

  it('names the trail and its bucket in the outputs', () => {
    const outputs = d.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs[optionalOutputKeys.accessTrailArn]?.Value).toEqual({
      'Fn::GetAtt': [accessTrailLogicalId, 'Arn'],
    });
    expect(outputs[optionalOutputKeys.accessTrailBucketName]?.Value).toEqual({
      Ref: accessTrailBucketLogicalId,
    });
  });

  it('passes every cdk-nag pack', () => {
    expect(nagFindings(d.app)).toEqual([]);
  });
});

describe('the accessTrail setting', () => {
  it('cannot be turned off under pci-dss or hipaa', () => {
    for (const profile of ['pci-dss', 'hipaa'] as const) {
      const refuse = () =>
        resolveSettings({ complianceProfiles: [profile], accessTrail: false, alarmEmail });
      expect(refuse).toThrow(DeploymentSettingsError);
      expect(refuse).toThrow(`accessTrail cannot be turned off: ${profile} requires`);
    }
  });

  it('is off under the other profiles unless asked for', () => {
    expect(resolveSettings({ complianceProfiles: ['gdpr'], alarmEmail }).accessTrail).toBe(false);
    expect(
      resolveSettings({ complianceProfiles: ['baseline'], accessTrail: true }).accessTrail,
    ).toBe(true);
  });

  it('is read from the context key accessTrail', () => {
    expect(readAppContext((key) => ({ accessTrail: 'false' })[key]).props.accessTrail).toBe(false);
    expect(() => readAppContext((key) => ({ accessTrail: 'yes' })[key])).toThrow(
      /accessTrail: expected true or false/,
    );
  });
});

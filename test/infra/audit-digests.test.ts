/**
 * The audit trail's signed digests (infra/audit-digests.ts) in every profile: an asymmetric
 * signing key only the digest function may sign with, a bucket locked in compliance mode for
 * the delivery audit retention, and the scheduled function with exactly the grants it calls.
 * Nag-clean in all five profiles and cfn-lint-clean.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type ComplianceProfileName, complianceProfileNames } from '../../compliance/profiles.ts';
import { policyStatements } from '../../compliance/report/template.ts';
import { auditDigests } from '../../functions/config/audit-digests.ts';
import { retentionClasses } from '../../functions/config/retention.ts';
import { auditTable, registryTable } from '../../functions/config/tables.ts';
import { digestBucketLogicalId } from '../../infra/audit-digests.ts';
import { operatorOutputKeys, stackOutputKeys } from '../../infra/output-names.ts';
import { type Deployment, deployment, nagFindings, outputRef } from './deployment.ts';

type Statement = Record<string, unknown>;
interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly DependsOn?: string[];
}

const resourcesOf = (d: Deployment) => d.template.toJSON().Resources as Record<string, Resource>;
const idOf = (d: Deployment, construct: { node: { defaultChild?: unknown } }) =>
  d.stack.getLogicalId(construct.node.defaultChild as never);
const resourceOf = (d: Deployment, construct: { node: { defaultChild?: unknown } }) => {
  const resource = resourcesOf(d)[idOf(d, construct)];
  if (resource === undefined) throw new Error(`no resource for ${construct}`);
  return resource;
};
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);
const actionsOf = (statement: Statement) => asList(statement.Action) as string[];

describe.each([
  ['baseline', retentionClasses.minimal.auditDays],
  ['pci-dss', retentionClasses.standard.auditDays],
] as const)('with %s, digests are locked for %i days', (profile, days) => {
  let d: Deployment;
  beforeAll(() => {
    d = deployment({ profiles: profile });
  }, 120_000);
  const digests = () => d.ingestion.digests;
  const roleArn = () => ({ 'Fn::GetAtt': [idOf(d, digests().role), 'Arn'] });

  it('signs with an ECC_NIST_P256 SIGN_VERIFY key that is kept when the stack goes', () => {
    const key = resourceOf(d, digests().signingKey);
    expect(key.Properties).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    expect(key.DeletionPolicy).toBe('Retain');
  });

  it("lets only the digest function's role sign, SHA-256 digests with ECDSA, and the account verify", () => {
    const { Statement } = resourceOf(d, digests().signingKey).Properties.KeyPolicy as {
      Statement: Statement[];
    };
    const signing = Statement.filter((s) => actionsOf(s).some((a) => a.includes('Sign')));
    expect(signing).toEqual([
      expect.objectContaining({
        Principal: { AWS: roleArn() },
        Action: 'kms:Sign',
        Condition: {
          StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'DIGEST' },
        },
      }),
    ]);
    const verifying = Statement.find((s) => s.Sid === 'DigestVerificationByAccount');
    expect(actionsOf(verifying ?? {}).sort()).toEqual([
      'kms:DescribeKey',
      'kms:GetPublicKey',
      'kms:Verify',
    ]);
    expect(JSON.stringify(Statement)).not.toMatch(/"kms:\*"|"kms:[A-Za-z]*\*"/);
  });

  it('grants kms:Sign to no other principal anywhere in the template', () => {
    // Who each grant is for: a key policy's principal, a managed policy's roles. A VPC
    // endpoint's policy grants nothing by itself: it only lets calls through.
    const grantees = policyStatements(d.cloudFormation)
      .filter(({ type }) => type !== 'AWS::EC2::VPCEndpoint')
      .filter(({ statement }) => statement.Effect === 'Allow')
      .filter(({ statement }) => actionsOf(statement).some((a) => /^kms:(Sign|\*)$/.test(a)))
      .flatMap(({ type, owner, statement }) =>
        type === 'AWS::KMS::Key'
          ? [(statement.Principal as { AWS?: unknown }).AWS]
          : asList(resourcesOf(d)[owner]?.Properties.Roles),
      );
    expect(grantees).toEqual([roleArn(), { Ref: idOf(d, digests().role) }]);
  });

  it(`keeps digests under Object Lock in compliance mode for ${days} days, versioned and kept`, () => {
    const bucket = resourcesOf(d)[digestBucketLogicalId];
    expect(bucket?.Properties).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: days } },
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    expect(bucket?.DeletionPolicy).toBe('Retain');
    expect(d.ingestion.digests.retentionDays).toBe(days);
  });

  it('encrypts digests under the audit key and expires them, and old versions, a day after the lock', () => {
    const bucket = resourcesOf(d)[digestBucketLogicalId];
    const auditKeyArn = {
      'Fn::GetAtt': [outputRef(d.cloudFormation, stackOutputKeys.auditKeyId), 'Arn'],
    };
    expect(bucket?.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: auditKeyArn },
        },
      ],
    });
    expect(bucket?.Properties.LifecycleConfiguration).toEqual({
      Rules: [
        expect.objectContaining({
          ExpirationInDays: days + 1,
          NoncurrentVersionExpiration: { NoncurrentDays: 1 },
          Status: 'Enabled',
        }),
      ],
    });
  });

  it('runs the prebuilt bundle alone, on arm64, with the names it reads and nothing more', () => {
    const fn = resourceOf(d, digests().function);
    expect(fn.Properties).toMatchObject({
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 300,
      MemorySize: 512,
      ReservedConcurrentExecutions: 1,
      LoggingConfig: { LogGroup: { Ref: idOf(d, digests().logGroup) }, LogFormat: 'JSON' },
    });
    expect((fn.Properties.Environment as { Variables: unknown }).Variables).toEqual({
      [auditTable.nameVariable]: {
        Ref: outputRef(d.cloudFormation, stackOutputKeys.auditTableName),
      },
      [registryTable.nameVariable]: {
        Ref: outputRef(d.cloudFormation, stackOutputKeys.registryTableName),
      },
      [auditDigests.bucketVariable]: { Ref: digestBucketLogicalId },
      [auditDigests.signingKeyVariable]: { Ref: idOf(d, digests().signingKey) },
    });
    expect(fn.DependsOn).toContain(idOf(d, digests().policies.data));
  });

  it(`is run every ${auditDigests.periodSeconds / 60} minutes, a minute after each period settles`, () => {
    const rule = resourceOf(d, digests().schedule);
    expect(rule.Properties).toMatchObject({
      ScheduleExpression: 'cron(6/15 * * * ? *)',
      State: 'ENABLED',
      Targets: [
        expect.objectContaining({
          Arn: { 'Fn::GetAtt': [idOf(d, digests().function), 'Arn'] },
        }),
      ],
    });
  });

  it('alarms to the alarm topic on any failed run', () => {
    const alarm = resourceOf(d, digests().errorAlarm);
    const topic = { Ref: idOf(d, d.ingestion.alarmTopic.topic) };
    expect(alarm.Properties).toMatchObject({
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Statistic: 'Sum',
      Period: auditDigests.periodSeconds,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      AlarmActions: [topic],
      OKActions: [topic],
    });
    const dashboard = JSON.stringify(
      resourcesOf(d)[idOf(d, d.ingestion.observability.dashboard)]?.Properties,
    );
    expect(dashboard).toContain('Audit digest runs');
  });

  it('alarms when no run happened for two periods, the schedule gone or failing', () => {
    const alarm = resourceOf(d, digests().notRunningAlarm);
    const topic = { Ref: idOf(d, d.ingestion.alarmTopic.topic) };
    expect(alarm.Properties).toMatchObject({
      MetricName: 'Invocations',
      Namespace: 'AWS/Lambda',
      Statistic: 'Sum',
      Period: auditDigests.periodSeconds,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 2,
      TreatMissingData: 'breaching',
      AlarmActions: [topic],
      OKActions: [topic],
    });
  });

  it('outputs the bucket name and the signing key ARN', () => {
    const outputs = d.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs[operatorOutputKeys.digestBucketName]?.Value).toEqual({
      Ref: digestBucketLogicalId,
    });
    expect(outputs[operatorOutputKeys.digestSigningKeyArn]?.Value).toEqual({
      'Fn::GetAtt': [idOf(d, digests().signingKey), 'Arn'],
    });
  });

  it('gives the function exactly the reads, writes and signing it does, and never a delete', () => {
    const { Statement } = resourceOf(d, digests().policies.data).Properties.PolicyDocument as {
      Statement: Statement[];
    };
    const bySid = Object.fromEntries(Statement.map((s) => [s.Sid, actionsOf(s).sort()]));
    expect(bySid).toEqual({
      ReadAuditTrail: ['dynamodb:BatchGetItem', 'dynamodb:Query'],
      ListDeliveriesByTime: ['dynamodb:Query'],
      ListProviderIds: ['dynamodb:Scan'],
      FindLastDigest: ['s3:ListBucket', 's3:ListBucketVersions'],
      ReadAndWriteDigests: ['s3:GetObject', 's3:PutObject'],
      SignDigests: ['kms:GetPublicKey', 'kms:Sign'],
      WriteOwnLogs: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    });
    const auditTableId = outputRef(d.cloudFormation, stackOutputKeys.auditTableName);
    const index = Statement.find((s) => s.Sid === 'ListDeliveriesByTime')?.Resource;
    expect(JSON.stringify(index)).toContain(auditTableId);
    expect(JSON.stringify(index)).toContain('/index/byTime');
    const everything = JSON.stringify(Statement);
    expect(everything).not.toMatch(/Delete|PutObjectRetention|BypassGovernance|"\*"/);
  });

  it('may decrypt the tables through DynamoDB and the digests through S3 only', () => {
    const grants = policyStatements(d.cloudFormation).filter(
      ({ type, statement }) =>
        type === 'AWS::KMS::Key' &&
        JSON.stringify(statement.Principal) === JSON.stringify({ AWS: roleArn() }),
    );
    const via = grants.map(({ statement }) => [
      statement.Sid,
      JSON.stringify(
        (statement.Condition as Record<string, Statement>)?.StringEquals?.['kms:ViaService'] ??
          null,
      ),
    ]);
    expect(via.map(([sid]) => sid).sort()).toEqual([
      'DigestFunctionReadsAuditTable',
      'DigestFunctionReadsRegistryTable',
      'DigestFunctionWritesDigests',
      'DigestSigningByDigestFunction',
    ]);
    for (const [sid, service] of via) {
      if (sid === 'DigestSigningByDigestFunction') continue;
      expect(service).toMatch(sid === 'DigestFunctionWritesDigests' ? /"s3\."/ : /"dynamodb\."/);
    }
  });
});

describe('in a VPC (pci-dss)', () => {
  let d: Deployment;
  beforeAll(() => {
    d = deployment({ profiles: 'pci-dss' });
  }, 120_000);

  it('runs in the isolated subnets beside the ingest function, and the endpoints let its calls through', () => {
    const fn = resourceOf(d, d.ingestion.digests.function);
    const ingest = resourceOf(d, d.ingestion.ingest.function);
    expect(fn.Properties.VpcConfig).toEqual(ingest.Properties.VpcConfig);
    const endpoints = Object.values(resourcesOf(d))
      .filter((r) => r.Type === 'AWS::EC2::VPCEndpoint')
      .map((r) => JSON.stringify(r.Properties.PolicyDocument));
    for (const action of ['dynamodb:Query', 's3:ListBucket', 'kms:Sign']) {
      expect(endpoints.some((policy) => policy.includes(`"${action}"`))).toBe(true);
    }
  });
});

describe('the digests pass the checks', () => {
  it.each(complianceProfileNames)(
    'no cdk-nag finding with %s',
    (profile: ComplianceProfileName) => {
      expect(nagFindings(deployment({ profiles: profile }).app)).toEqual([]);
    },
    120_000,
  );
});

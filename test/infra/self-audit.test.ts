/**
 * The scheduled self-audit (infra/self-audit.ts) in the two profiles that place functions in a
 * VPC: an EventBridge Scheduler schedule (daily by default, or as given) whose role may invoke the
 * function and nothing else, the function outside the VPC with its own log group kept for the
 * profile's days, exactly the read-only grants its handler uses plus its run record in the admin
 * partition, four alarms to the alarm topic, a dashboard row, and AWS Config rules only when
 * asked for. Two syntheses: hipaa as deployed by default, pci-dss (VPC and WAF) with every
 * self-audit option.
 * Both nag-clean and cfn-lint-clean; the options' refusals are checked without a synthesis.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { complianceProfiles } from '../../compliance/profiles.ts';
import { policyStatements } from '../../compliance/report/template.ts';
import { auditDigests } from '../../functions/config/audit-digests.ts';
import { kmsKeys } from '../../functions/config/keys.ts';
import { selfAudit } from '../../functions/config/self-audit.ts';
import { auditTable, registryTable } from '../../functions/config/tables.ts';
import { metricsNamespaceVariable } from '../../functions/config/telemetry.ts';
import { digestBucketLogicalId } from '../../infra/audit-digests.ts';
import { readAppContext } from '../../infra/context.ts';
import {
  operatorOutputKeys,
  optionalOutputKeys,
  stackOutputKeys,
} from '../../infra/output-names.ts';
import { configRuleTagKey, scheduleProblems, selfAuditPartition } from '../../infra/self-audit.ts';
import { DeploymentSettingsError, resolveSettings } from '../../infra/settings.ts';
import { adminPartitionKey } from '../../ops/admin-trail/admin-record.ts';
import { selfAuditPartitionKey } from '../../ops/review/run-record.ts';
import { cfnLint, cleanRun, hasCfnLint } from './cfn-lint.ts';
import { type Deployment, deployment, nagFindings, outputRef } from './deployment.ts';
import { dashboardWidgets } from './observability-stack.ts';

type Statement = Record<string, unknown>;
interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
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
const ofType = (d: Deployment, type: string) =>
  Object.entries(resourcesOf(d)).filter(([, resource]) => resource.Type === type);
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);
const actionsOf = (statement: Statement) => asList(statement.Action) as string[];
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

/** The pci-dss deployment's options: a custom schedule, a shorter cryptoperiod, Config rules. */
const customSchedule = 'rate(12 hours)';
const shorterCryptoperiod = 180;

const configurations = {
  'pci-dss': {
    profiles: 'pci-dss',
    selfAuditSchedule: customSchedule,
    keyCryptoperiodDays: String(shorterCryptoperiod),
    awsConfigRules: 'true',
  },
  hipaa: { profiles: 'hipaa' },
} as const;

describe.each(['pci-dss', 'hipaa'] as const)('with %s', (profile) => {
  let d: Deployment;
  beforeAll(() => {
    d = deployment(configurations[profile]);
  }, 120_000);
  const audit = () => d.ingestion.selfAudit;
  const topic = () => ({ Ref: idOf(d, d.ingestion.alarmTopic.topic) });
  const keyArn = (output: string) => arnOf(outputRef(d.cloudFormation, output));
  const tableArn = (output: string) => arnOf(outputRef(d.cloudFormation, output));

  it('runs the prebuilt bundle on arm64, outside the VPC, with the variables the handler reads', () => {
    const fn = resourceOf(d, audit().function);
    expect(fn.Properties).toMatchObject({
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      ReservedConcurrentExecutions: 1,
      LoggingConfig: { LogGroup: { Ref: idOf(d, audit().logGroup) }, LogFormat: 'JSON' },
    });
    // Both profiles place the ingest function in the isolated subnets; the self-audit stays out.
    expect(fn.Properties.VpcConfig).toBeUndefined();
    expect(resourceOf(d, d.ingestion.ingest.function).Properties.VpcConfig).toBeDefined();
    expect(audit().policies.networkInterfaces).toBeUndefined();
    const ref = (output: string) => ({ Ref: outputRef(d.cloudFormation, output) });
    expect((fn.Properties.Environment as { Variables: unknown }).Variables).toEqual({
      [selfAudit.stackNameVariable]: { Ref: 'AWS::StackName' },
      [selfAudit.profilesVariable]: profile,
      [selfAudit.cryptoperiodVariable]: profile === 'pci-dss' ? String(shorterCryptoperiod) : '365',
      [selfAudit.idleDaysVariable]: String(selfAudit.defaultIdleProviderDays),
      [registryTable.nameVariable]: ref(stackOutputKeys.registryTableName),
      [auditTable.nameVariable]: ref(stackOutputKeys.auditTableName),
      [kmsKeys.secrets.idVariable]: ref(stackOutputKeys.secretsKeyId),
      [kmsKeys.audit.idVariable]: ref(stackOutputKeys.auditKeyId),
      [kmsKeys.queue.idVariable]: {
        Ref: outputRef(d.cloudFormation, operatorOutputKeys.queueKeyId),
      },
      [auditDigests.bucketVariable]: { Ref: digestBucketLogicalId },
      [auditDigests.signingKeyVariable]: {
        Ref: outputRef(d.cloudFormation, operatorOutputKeys.digestSigningKeyArn),
      },
      POWERTOOLS_SERVICE_NAME: 'webhook-ingestion',
      [metricsNamespaceVariable]: d.ingestion.instanceNames.metricsNamespace,
    });
    expect(fn.DependsOn).toContain(idOf(d, audit().policies.data));
  });

  it("logs to a log group of its own, under the audit key, kept for the profile's days", () => {
    expect(resourceOf(d, audit().logGroup).Properties).toMatchObject({
      RetentionInDays: complianceProfiles[profile].logRetentionDays,
      KmsKeyId: keyArn(stackOutputKeys.auditKeyId),
    });
  });

  it('is run by an EventBridge Scheduler schedule, daily by default, whose role may only invoke it', () => {
    const schedule = resourceOf(d, audit().schedule);
    const roleArn = arnOf(idOf(d, audit().scheduleRole));
    expect(schedule.Type).toBe('AWS::Scheduler::Schedule');
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: profile === 'pci-dss' ? customSchedule : 'cron(0 5 * * ? *)',
      State: 'ENABLED',
      Target: {
        Arn: arnOf(idOf(d, audit().function)),
        RoleArn: roleArn,
        RetryPolicy: { MaximumEventAgeInSeconds: 21_600, MaximumRetryAttempts: 20 },
      },
    });
    expect(schedule.Properties.ScheduleExpression).toBe(audit().settings.schedule);
    expect(schedule.Properties.Target).not.toHaveProperty('DeadLetterConfig');
    expect(selfAudit.defaultSchedule).toBe('cron(0 5 * * ? *)');
    const role = resourceOf(d, audit().scheduleRole);
    expect(role.Properties.Policies).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument).toMatchObject({
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        },
      ],
    });
    const { Statement } = resourceOf(d, audit().schedulePolicy).Properties.PolicyDocument as {
      Statement: Statement[];
    };
    expect(Statement).toEqual([
      {
        Sid: 'InvokeSelfAudit',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: arnOf(idOf(d, audit().function)),
      },
    ]);
    // Nothing else names the schedule's role: no inline policy, no other managed policy.
    const attached = ofType(d, 'AWS::IAM::ManagedPolicy')
      .concat(ofType(d, 'AWS::IAM::Policy'))
      .filter(([, r]) =>
        JSON.stringify(r.Properties.Roles ?? []).includes(idOf(d, audit().scheduleRole)),
      )
      .map(([id]) => id);
    expect(attached).toEqual([idOf(d, audit().schedulePolicy)]);
    expect(schedule.DependsOn).toContain(idOf(d, audit().schedulePolicy));
  });

  it('may read what it inspects and put its run and admin records, nothing else', () => {
    const { Statement } = resourceOf(d, audit().policies.data).Properties.PolicyDocument as {
      Statement: Statement[];
    };
    const bySid = Object.fromEntries(Statement.map((s) => [s.Sid, actionsOf(s).sort()]));
    expect(bySid).toEqual({
      ReadThisStack: ['cloudformation:DescribeStacks', 'cloudformation:GetTemplate'],
      DescribeTables: [
        'dynamodb:DescribeContinuousBackups',
        'dynamodb:DescribeTable',
        'dynamodb:DescribeTimeToLive',
        'dynamodb:GetResourcePolicy',
      ],
      ListProviders: ['dynamodb:Scan'],
      ReadAuditTrail: ['dynamodb:BatchGetItem', 'dynamodb:Query'],
      ListDeliveriesByTime: ['dynamodb:Query'],
      RecordRuns: ['dynamodb:PutItem'],
      RegistryEncryptedThroughDynamoDb: ['kms:Decrypt', 'kms:DescribeKey'],
      AuditTableEncryptedThroughDynamoDb: [
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Encrypt',
        'kms:GenerateDataKey',
      ],
      SealRunRecords: ['kms:GenerateDataKey'],
      CheckSeals: ['kms:Decrypt'],
      InspectKeys: ['kms:GetKeyPolicy', 'kms:GetKeyRotationStatus'],
      VerifyDigests: ['kms:GetPublicKey'],
      ListDigests: ['s3:ListBucket', 's3:ListBucketVersions'],
      ReadDigests: ['s3:GetObject', 's3:GetObjectVersion'],
      DigestsEncryptedThroughS3: ['kms:Decrypt'],
      ReadQueueSettings: ['sqs:GetQueueAttributes'],
      WriteOwnLogs: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    });
    const sid = (name: string) => Statement.find((s) => s.Sid === name) ?? {};
    const registryArn = tableArn(stackOutputKeys.registryTableName);
    const auditArn = tableArn(stackOutputKeys.auditTableName);
    const signingKeyArn = arnOf(
      outputRef(d.cloudFormation, operatorOutputKeys.digestSigningKeyArn),
    );
    const digestBucketArn = arnOf(digestBucketLogicalId);
    expect(sid('ReadThisStack').Resource).toEqual({ Ref: 'AWS::StackId' });
    expect(sid('DescribeTables').Resource).toEqual([registryArn, auditArn]);
    // The one Scan, on the registry alone; the trail is read by Query and BatchGetItem.
    expect(sid('ListProviders').Resource).toEqual(registryArn);
    expect(Statement.filter((s) => actionsOf(s).includes('dynamodb:Scan'))).toHaveLength(1);
    expect(sid('ReadAuditTrail').Resource).toEqual(auditArn);
    expect(sid('ListDeliveriesByTime').Resource).toEqual({
      'Fn::Join': ['', [auditArn, '/index/byTime']],
    });
    // The one write: new items of the admin and run partitions, never a delivery's.
    expect(sid('RecordRuns')).toMatchObject({
      Resource: auditArn,
      Condition: {
        'ForAllValues:StringEquals': {
          'dynamodb:LeadingKeys': [adminPartitionKey, selfAuditPartitionKey],
        },
      },
    });
    expect(selfAuditPartition).toBe(selfAuditPartitionKey);
    const writes = Statement.filter((s) =>
      actionsOf(s).some((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a)),
    );
    expect(writes.map((s) => s.Sid)).toEqual(['RecordRuns']);
    const viaDynamoDb = /"kms:ViaService":\{"Fn::Join":\["",\["dynamodb\./;
    expect(sid('RegistryEncryptedThroughDynamoDb').Resource).toEqual(
      keyArn(stackOutputKeys.secretsKeyId),
    );
    expect(JSON.stringify(sid('RegistryEncryptedThroughDynamoDb').Condition)).toMatch(viaDynamoDb);
    expect(JSON.stringify(sid('AuditTableEncryptedThroughDynamoDb').Condition)).toMatch(
      viaDynamoDb,
    );
    // Seal keys: generated for the operator writer only, decrypted under the seal purpose only.
    expect(sid('SealRunRecords').Condition).toEqual({
      StringEquals: {
        'kms:EncryptionContext:purpose': 'webhook-audit-integrity',
        'kms:EncryptionContext:writer': 'operator',
      },
      'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['purpose', 'writer'] },
    });
    expect(sid('CheckSeals').Condition).toEqual({
      StringEquals: { 'kms:EncryptionContext:purpose': 'webhook-audit-integrity' },
      'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['purpose', 'writer'] },
    });
    expect(sid('InspectKeys').Resource).toEqual([
      keyArn(stackOutputKeys.secretsKeyId),
      keyArn(stackOutputKeys.auditKeyId),
      arnOf(outputRef(d.cloudFormation, operatorOutputKeys.queueKeyId)),
    ]);
    expect(sid('VerifyDigests').Resource).toEqual(signingKeyArn);
    expect(sid('ListDigests')).toMatchObject({
      Resource: digestBucketArn,
      Condition: { StringLike: { 's3:prefix': 'digests/*' } },
    });
    expect(sid('ReadDigests').Resource).toEqual({
      'Fn::Join': ['', [digestBucketArn, '/digests/*']],
    });
    expect(JSON.stringify(sid('DigestsEncryptedThroughS3').Condition)).toContain(
      `"kms:EncryptionContext:aws:s3:arn":${JSON.stringify(digestBucketArn)}`,
    );
    expect(sid('ReadQueueSettings').Resource).toEqual([
      arnOf(outputRef(d.cloudFormation, operatorOutputKeys.queueArn)),
      arnOf(outputRef(d.cloudFormation, operatorOutputKeys.deadLetterQueueUrl)),
    ]);
    const everything = JSON.stringify(Statement);
    // No wildcard action, no resource that is all resources, nothing that changes what it reads.
    expect(everything).not.toMatch(/"[a-z0-9]+:[A-Za-z]*\*"|"\*"/);
    expect(everything).not.toMatch(
      /UpdateItem|DeleteItem|ReEncrypt|kms:Sign|s3:Put|s3:Delete|sqs:(Receive|Send|Delete)|cloudformation:(Update|Delete|Create)/,
    );
  });

  it('has no grant beyond its own policies: no inline policy, no key policy naming its role', () => {
    const roleId = idOf(d, audit().role);
    expect(resourceOf(d, audit().role).Properties.Policies).toBeUndefined();
    const attached = ofType(d, 'AWS::IAM::ManagedPolicy')
      .concat(ofType(d, 'AWS::IAM::Policy'))
      .filter(([, r]) => JSON.stringify(r.Properties.Roles ?? []).includes(roleId))
      .map(([id]) => id);
    expect(attached).toEqual([idOf(d, audit().policies.data)]);
    const keyGrants = policyStatements(d.cloudFormation).filter(
      ({ type, statement }) =>
        type === 'AWS::KMS::Key' && JSON.stringify(statement.Principal ?? {}).includes(roleId),
    );
    expect(keyGrants).toEqual([]);
  });

  it('alarms to the alarm topic on failed checks, checks not run, failed runs and no run', () => {
    const namespace = d.ingestion.instanceNames.metricsNamespace;
    const notified = { AlarmActions: [topic()], OKActions: [topic()] };
    for (const [alarm, metric] of [
      [audit().checksFailedAlarm, selfAudit.checkFailedMetric],
      [audit().checksNotRunAlarm, selfAudit.checkNotRunMetric],
    ] as const) {
      expect(resourceOf(d, alarm).Properties).toMatchObject({
        ...notified,
        Metrics: [
          expect.objectContaining({
            Expression: `SELECT SUM(${metric}) FROM "${namespace}"`,
            Period: 3600,
          }),
        ],
        Threshold: 1,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
    const functionDimension = [{ Name: 'FunctionName', Value: { Ref: idOf(d, audit().function) } }];
    expect(resourceOf(d, audit().errorAlarm).Properties).toMatchObject({
      ...notified,
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: functionDimension,
      Period: 3600,
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(resourceOf(d, audit().notRunningAlarm).Properties).toMatchObject({
      ...notified,
      MetricName: 'Invocations',
      Dimensions: functionDimension,
      Period: 3600,
      EvaluationPeriods: 48,
      DatapointsToAlarm: 48,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    for (const alarm of [audit().errorAlarm, audit().notRunningAlarm]) {
      expect(resourceOf(d, alarm).Properties.AlarmDescription).toContain('First check:');
    }
  });

  it('has a dashboard row: runs, failed checks and checks not run by check, its alarms', () => {
    const widgets = dashboardWidgets(d.template);
    const widget = (title: string) => {
      const found = widgets.find((candidate) => candidate.properties.title === title);
      if (found === undefined) throw new Error(`no widget titled '${title}'`);
      return found;
    };
    const fn = `<Ref:${idOf(d, audit().function)}>`;
    expect(widget('Self-audit runs').properties.metrics).toEqual([
      ['AWS/Lambda', 'Invocations', 'FunctionName', fn, { period: 3600, stat: 'Sum' }],
      ['AWS/Lambda', 'Errors', 'FunctionName', fn, { period: 3600, stat: 'Sum' }],
    ]);
    const namespace = d.ingestion.instanceNames.metricsNamespace;
    for (const [title, metric] of [
      ['Self-audit failed checks, by check', selfAudit.checkFailedMetric],
      ['Self-audit checks not run, by check', selfAudit.checkNotRunMetric],
    ] as const) {
      expect(widget(title).properties.metrics).toEqual([
        [
          {
            expression: `SELECT SUM(${metric}) FROM "${namespace}" GROUP BY "check"`,
            period: 3600,
          },
        ],
      ]);
    }
    expect(widget('Self-audit alarms').properties.alarms).toEqual(
      [
        audit().checksFailedAlarm,
        audit().checksNotRunAlarm,
        audit().errorAlarm,
        audit().notRunningAlarm,
      ].map((alarm) => `<${idOf(d, alarm)}.Arn>`),
    );
  });

  if (profile === 'hipaa') {
    it('creates no AWS Config rule and no ConfigRuleNames output unless asked', () => {
      expect(ofType(d, 'AWS::Config::ConfigRule')).toEqual([]);
      expect(audit().configRules).toBeUndefined();
      expect(audit().configRuleNames).toEqual([]);
      const outputs = Object.keys(d.template.toJSON().Outputs as object);
      expect(outputs).not.toContain(optionalOutputKeys.configRuleNames);
    });
  } else {
    it("with awsConfigRules, scopes managed rules to the stack's own resources and names them", () => {
      const rules = ofType(d, 'AWS::Config::ConfigRule').map(([, r]) => r.Properties);
      const tag = { TagKey: configRuleTagKey, TagValue: { Ref: 'AWS::StackName' } };
      const byIdentifier = Object.fromEntries(
        rules.map((rule) => [(rule.Source as { SourceIdentifier: string }).SourceIdentifier, rule]),
      );
      expect(Object.keys(byIdentifier).sort()).toEqual(
        [
          'DYNAMODB_PITR_ENABLED',
          'DYNAMODB_TABLE_ENCRYPTED_KMS',
          'KMS_CMK_NOT_SCHEDULED_FOR_DELETION',
          'LAMBDA_INSIDE_VPC',
          'S3_BUCKET_SSL_REQUESTS_ONLY',
          'API_GW_ASSOCIATED_WITH_WAF',
        ].sort(),
      );
      for (const identifier of [
        'API_GW_ASSOCIATED_WITH_WAF',
        'DYNAMODB_PITR_ENABLED',
        'DYNAMODB_TABLE_ENCRYPTED_KMS',
        'LAMBDA_INSIDE_VPC',
        'S3_BUCKET_SSL_REQUESTS_ONLY',
      ]) {
        expect(byIdentifier[identifier]?.Scope, identifier).toEqual(tag);
      }
      expect(byIdentifier.DYNAMODB_TABLE_ENCRYPTED_KMS?.InputParameters).toEqual({
        kmsKeyArns: {
          'Fn::Join': [
            ',',
            [keyArn(stackOutputKeys.secretsKeyId), keyArn(stackOutputKeys.auditKeyId)],
          ],
        },
      });
      // Periodic: no scope, its keys named instead, every key of the deployment.
      expect(byIdentifier.KMS_CMK_NOT_SCHEDULED_FOR_DELETION).toMatchObject({
        InputParameters: {
          kmsKeyIds: {
            'Fn::Join': [
              ',',
              [
                { Ref: outputRef(d.cloudFormation, stackOutputKeys.secretsKeyId) },
                { Ref: outputRef(d.cloudFormation, stackOutputKeys.auditKeyId) },
                { Ref: outputRef(d.cloudFormation, operatorOutputKeys.queueKeyId) },
                { Ref: outputRef(d.cloudFormation, operatorOutputKeys.digestSigningKeyArn) },
              ],
            ],
          },
        },
        MaximumExecutionFrequency: 'TwentyFour_Hours',
      });
      expect(byIdentifier.KMS_CMK_NOT_SCHEDULED_FOR_DELETION?.Scope).toBeUndefined();
      // The watched resources carry the tag; the self-audit's own function does not.
      const tagged = (construct: { node: { defaultChild?: unknown } }) =>
        JSON.stringify(resourceOf(d, construct).Properties.Tags ?? []).includes(configRuleTagKey);
      expect(tagged(d.ingestion.registryTable)).toBe(true);
      expect(tagged(d.ingestion.auditTable)).toBe(true);
      expect(tagged(d.ingestion.ingest.function)).toBe(true);
      expect(tagged(d.ingestion.digests.function)).toBe(true);
      expect(tagged(audit().function)).toBe(false);
      const front = d.ingestion.front;
      if (front.kind !== 'rest') throw new Error('pci-dss has a REST front');
      expect(tagged(front.api.deploymentStage)).toBe(true);
      const output = (d.template.toJSON().Outputs as Record<string, { Value: unknown }>)[
        optionalOutputKeys.configRuleNames
      ];
      expect(output?.Value).toEqual({
        'Fn::Join': [',', audit().configRules?.rules.map((rule) => ({ Ref: idOf(d, rule) }))],
      });
    });
  }
});

describe('the self-audit passes the checks', () => {
  it.each(['pci-dss', 'hipaa'] as const)(
    'no cdk-nag finding with %s',
    (profile) => {
      const findings = nagFindings(deployment(configurations[profile]).app);
      expect(findings.filter((finding) => finding.includes('/SelfAudit/'))).toEqual([]);
      expect(findings).toEqual([]);
    },
    120_000,
  );

  // The hipaa configuration is the stock template, linted in stock-templates-lint.test.ts.
  it.runIf(hasCfnLint || process.env.CI)(
    'cfn-lint finds nothing with the pci-dss options (schedule, cryptoperiod, Config rules)',
    () => {
      const run = cfnLint({ 'self-audit-pci-dss': deployment(configurations['pci-dss']).template });
      expect(run.output).toContain(cleanRun(1));
      expect(run.status).toBe(0);
    },
    120_000,
  );
});

describe('the self-audit options', () => {
  const problemsOf = (run: () => unknown): readonly string[] => {
    try {
      run();
    } catch (error) {
      if (error instanceof DeploymentSettingsError) return error.problems;
      throw error;
    }
    throw new Error('expected DeploymentSettingsError');
  };

  it('are read from the app context: -c strings, as the stock app takes them', () => {
    expect(
      readAppContext(
        (key) =>
          ({
            selfAuditSchedule: 'cron(0 6 * * ? *)',
            keyCryptoperiodDays: '180',
            idleProviderDays: '14',
            awsConfigRules: 'true',
          })[key],
      ).props,
    ).toEqual({
      selfAudit: {
        schedule: 'cron(0 6 * * ? *)',
        cryptoperiodDays: 180,
        idleProviderDays: 14,
        awsConfigRules: true,
      },
    });
    expect(() =>
      readAppContext((key) => (key === 'selfAuditSchedule' ? 'daily' : undefined)),
    ).toThrow(
      'selfAuditSchedule: expected an EventBridge Scheduler expression such as cron(0 5 * * ? *), got "daily"',
    );
  });

  it("take the profiles' cryptoperiod, and refuse a longer one naming the profiles", () => {
    for (const profile of ['pci-dss', 'hipaa'] as const) {
      expect(
        resolveSettings({ complianceProfiles: [profile], alarmEmail: 'alarms@example.com' })
          .selfAudit,
      ).toEqual({
        schedule: selfAudit.defaultSchedule,
        cryptoperiodDays: complianceProfiles[profile].keyCryptoperiodDays,
        idleProviderDays: selfAudit.defaultIdleProviderDays,
        awsConfigRules: false,
      });
    }
    expect(
      resolveSettings({
        complianceProfiles: ['pci-dss'],
        alarmEmail: 'alarms@example.com',
        selfAudit: { cryptoperiodDays: 90 },
      }).selfAudit.cryptoperiodDays,
    ).toBe(90);
    expect(
      problemsOf(() =>
        resolveSettings({
          complianceProfiles: ['pci-dss', 'hipaa'],
          alarmEmail: 'alarms@example.com',
          selfAudit: { cryptoperiodDays: 400 },
        }),
      ),
    ).toEqual(['selfAudit.cryptoperiodDays 400 is longer than the 365 days pci-dss, hipaa allows']);
    expect(problemsOf(() => resolveSettings({ selfAudit: { cryptoperiodDays: 0 } }))).toEqual([
      'selfAudit.cryptoperiodDays must be a positive integer, got 0',
    ]);
  });

  it('refuse idle days beyond what the delivery audit records keep', () => {
    expect(problemsOf(() => resolveSettings({ selfAudit: { idleProviderDays: 45 } }))).toEqual([
      'selfAudit.idleProviderDays 45 is longer than the 30 days delivery audit records are kept, which the idle check reads: keep them longer (retention.deliveryAudit) or flag sooner',
    ]);
    expect(
      resolveSettings({
        complianceProfiles: ['pci-dss'],
        alarmEmail: 'alarms@example.com',
        selfAudit: { idleProviderDays: 45 },
      }).selfAudit.idleProviderDays,
    ).toBe(45);
  });

  it('accept schedules that run between hourly and daily, and say what is wrong with others', () => {
    for (const ok of [
      'cron(0 5 * * ? *)',
      'cron(30 */6 ? * * *)',
      'rate(1 day)',
      'rate(1 hour)',
      'rate(12 hours)',
      'rate(90 minutes)',
    ]) {
      expect(scheduleProblems(ok), ok).toEqual([]);
    }
    expect(scheduleProblems('rate(2 days)')).toEqual([
      'selfAudit.schedule "rate(2 days)" runs less often than daily: each run checks the audit trail\'s last day, and the NotRunning alarm fires after two days without a run',
    ]);
    expect(scheduleProblems('cron(0 5 ? * MON *)')[0]).toMatch(/runs less often than daily/);
    expect(scheduleProblems('cron(* 5 * * ? *)')[0]).toMatch(/runs more often than hourly/);
    expect(scheduleProblems('rate(5 minutes)')[0]).toMatch(/runs more often than hourly/);
    expect(scheduleProblems('cron(0 5 * * * *)')).toEqual([
      'selfAudit.schedule "cron(0 5 * * * *)": a cron expression needs \'?\' in exactly one of day-of-month and day-of-week',
    ]);
    expect(scheduleProblems('at(2030-01-01T05:00:00)')[0]).toMatch(/runs once/);
    for (const bad of ['daily', 'cron(0 5 * *)', '0 5 * * ? *', 'rate(one day)']) {
      expect(scheduleProblems(bad), bad).toEqual([
        `selfAudit.schedule must be an EventBridge Scheduler expression: cron(minutes hours day-of-month month day-of-week year) or rate(value unit), got ${JSON.stringify(bad)}`,
      ]);
    }
    expect(problemsOf(() => resolveSettings({ selfAudit: { schedule: 'rate(7 days)' } }))).toEqual(
      scheduleProblems('rate(7 days)'),
    );
  });
});

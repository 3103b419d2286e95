/**
 * The source range refresher (infra/source-range-refresher.ts) in and out of a VPC: a daily
 * schedule, the function outside the VPC (it must reach the providers' lists; the VPC has no
 * way out), exactly the grants its handler uses and no more, and an alarm on its errors.
 * Nag-clean in and out of a VPC, with and without tracing, and cfn-lint-clean (every profile of
 * the whole app is nag-clean in test/compliance).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { policyStatements } from '../../compliance/report/template.ts';
import { kmsKeys } from '../../functions/config/keys.ts';
import { auditTable, registryTable } from '../../functions/config/tables.ts';
import { metricsNamespaceVariable } from '../../functions/config/telemetry.ts';
import { stackOutputKeys } from '../../infra/output-names.ts';
import { adminPartitionKey } from '../../ops/admin-trail/admin-record.ts';
import { type Deployment, deployment, nagFindings, outputRef } from './deployment.ts';

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
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);
const actionsOf = (statement: Statement) => asList(statement.Action) as string[];

describe.each(['baseline', 'pci-dss'] as const)('with %s', (profile) => {
  let d: Deployment;
  beforeAll(() => {
    d = deployment({ profiles: profile });
  }, 120_000);
  const refresher = () => d.ingestion.sourceRefresher;
  const roleRef = () => ({ Ref: idOf(d, refresher().role) });
  const roleArn = () => ({ 'Fn::GetAtt': [idOf(d, refresher().role), 'Arn'] });

  it('runs the prebuilt bundle on arm64, outside the VPC, with the names it reads and nothing more', () => {
    const fn = resourceOf(d, refresher().function);
    expect(fn.Properties).toMatchObject({
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      ReservedConcurrentExecutions: 1,
      LoggingConfig: { LogGroup: { Ref: idOf(d, refresher().logGroup) }, LogFormat: 'JSON' },
    });
    // pci-dss places the ingest function in the isolated subnets; the refresher stays out.
    expect(fn.Properties.VpcConfig).toBeUndefined();
    if (profile === 'pci-dss') {
      expect(resourceOf(d, d.ingestion.ingest.function).Properties.VpcConfig).toBeDefined();
      expect(refresher().policies.networkInterfaces).toBeUndefined();
    }
    expect((fn.Properties.Environment as { Variables: unknown }).Variables).toEqual({
      [registryTable.nameVariable]: {
        Ref: outputRef(d.cloudFormation, stackOutputKeys.registryTableName),
      },
      [auditTable.nameVariable]: {
        Ref: outputRef(d.cloudFormation, stackOutputKeys.auditTableName),
      },
      [kmsKeys.audit.idVariable]: { Ref: outputRef(d.cloudFormation, stackOutputKeys.auditKeyId) },
      POWERTOOLS_SERVICE_NAME: 'webhook-ingestion',
      [metricsNamespaceVariable]: d.ingestion.instanceNames.metricsNamespace,
    });
    expect(fn.DependsOn).toContain(idOf(d, refresher().policies.data));
  });

  it("logs to a log group of its own, under the audit key, kept for the profile's days", () => {
    const group = resourceOf(d, refresher().logGroup);
    expect(group.Properties).toMatchObject({
      RetentionInDays: d.ingestion.settings.logRetentionDays,
      KmsKeyId: {
        'Fn::GetAtt': [outputRef(d.cloudFormation, stackOutputKeys.auditKeyId), 'Arn'],
      },
    });
  });

  it('is run once a day by an EventBridge rule', () => {
    const rule = resourceOf(d, refresher().schedule);
    expect(rule.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 day)',
      State: 'ENABLED',
      Targets: [
        expect.objectContaining({
          Arn: { 'Fn::GetAtt': [idOf(d, refresher().function), 'Arn'] },
        }),
      ],
    });
  });

  it('alarms to the alarm topic on any failed run, and has a dashboard row', () => {
    const alarm = resourceOf(d, refresher().errorAlarm);
    const topic = { Ref: idOf(d, d.ingestion.alarmTopic.topic) };
    expect(alarm.Properties).toMatchObject({
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: idOf(d, refresher().function) } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      AlarmActions: [topic],
      OKActions: [topic],
    });
    const dashboard = JSON.stringify(
      resourcesOf(d)[idOf(d, d.ingestion.observability.dashboard)]?.Properties,
    );
    expect(dashboard).toContain('Source range refresher runs');
  });

  it('may read and conditionally put the registry and put admin records, and nothing else', () => {
    const { Statement } = resourceOf(d, refresher().policies.data).Properties.PolicyDocument as {
      Statement: Statement[];
    };
    const bySid = Object.fromEntries(Statement.map((s) => [s.Sid, actionsOf(s).sort()]));
    expect(bySid).toEqual({
      ReadProviders: ['dynamodb:GetItem', 'dynamodb:Scan'],
      WriteRefreshedProviders: ['dynamodb:PutItem'],
      RecordAdminActions: ['dynamodb:PutItem'],
      TablesEncryptedThroughDynamoDb: [
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Encrypt',
        'kms:GenerateDataKey',
      ],
      SealAdminRecords: ['kms:GenerateDataKey'],
      WriteOwnLogs: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    });
    const sid = (name: string) => Statement.find((s) => s.Sid === name) ?? {};
    const registryArn = {
      'Fn::GetAtt': [outputRef(d.cloudFormation, stackOutputKeys.registryTableName), 'Arn'],
    };
    const auditArn = {
      'Fn::GetAtt': [outputRef(d.cloudFormation, stackOutputKeys.auditTableName), 'Arn'],
    };
    // The Scan and the provider writes on the registry table alone, no index, no other table.
    expect(sid('ReadProviders').Resource).toEqual(registryArn);
    expect(sid('WriteRefreshedProviders').Resource).toEqual(registryArn);
    // Admin records only: the items of the admin partition, as infra/grants.ts grants operators.
    expect(sid('RecordAdminActions')).toMatchObject({
      Resource: auditArn,
      Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [adminPartitionKey] } },
    });
    expect(JSON.stringify(sid('TablesEncryptedThroughDynamoDb').Condition)).toMatch(
      /"kms:ViaService":\{"Fn::Join":\["",\["dynamodb\./,
    );
    // Seal keys of the operator writer only: never one that seals a delivery record.
    expect(sid('SealAdminRecords').Condition).toEqual({
      StringEquals: {
        'kms:EncryptionContext:purpose': 'webhook-audit-integrity',
        'kms:EncryptionContext:writer': 'operator',
      },
      'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['purpose', 'writer'] },
    });
    const everything = JSON.stringify(Statement);
    expect(everything).not.toMatch(/"(dynamodb|kms|logs|s3|sqs):\*"|"\*"/);
    expect(everything).not.toMatch(/DeleteItem|UpdateItem|Query|BatchGetItem|ReEncrypt|s3:|sqs:/);
  });

  it('has no grant beyond its own policies: no inline policy, no key policy naming its role', () => {
    const role = resourceOf(d, refresher().role);
    expect(role.Properties.Policies).toBeUndefined();
    const attached = Object.entries(resourcesOf(d))
      .filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Policy')
      .filter(([, r]) =>
        JSON.stringify(r.Properties.Roles ?? []).includes(JSON.stringify(roleRef())),
      )
      .map(([id]) => id);
    expect(attached).toEqual([idOf(d, refresher().policies.data)]);
    const keyGrants = policyStatements(d.cloudFormation).filter(
      ({ type, statement }) =>
        type === 'AWS::KMS::Key' &&
        JSON.stringify(statement.Principal).includes(JSON.stringify(roleArn())),
    );
    expect(keyGrants).toEqual([]);
  });
});

// Every profile and combination of the whole app is nag-clean in test/compliance (deployment
// checks); these two, synthesized above already, are the refresher's in and out of a VPC.
describe('the refresher passes the checks', () => {
  it.each(['baseline', 'pci-dss'] as const)(
    'no cdk-nag finding with %s',
    (profile) => {
      const findings = nagFindings(deployment({ profiles: profile }).app);
      expect(findings.filter((finding) => finding.includes('/SourceRefresher/'))).toEqual([]);
      expect(findings).toEqual([]);
    },
    120_000,
  );

  it('no cdk-nag finding with tracing, whose policy is acknowledged like the others', () => {
    const d = deployment({ profiles: 'baseline', tracing: true });
    expect(d.ingestion.sourceRefresher.policies.tracing).toBeDefined();
    expect(nagFindings(d.app)).toEqual([]);
  }, 120_000);
});

/**
 * `webhooks compliance report`, through the whole CLI: from the app synthesized in-process
 * (pci-dss), from a synthesized template in its cloud assembly (gdpr + ccpa), from broken and
 * hostile templates, and against a live stack stood in for by SDK mocks. Also keeps the control
 * catalogue's test references from rotting.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  APIGatewayClient,
  GetIntegrationCommand,
  GetRestApiCommand,
  GetStageCommand,
} from '@aws-sdk/client-api-gateway';
import {
  ApiGatewayV2Client,
  GetApiCommand,
  GetIntegrationCommand as GetHttpIntegrationCommand,
  GetStageCommand as GetHttpStageCommand,
} from '@aws-sdk/client-apigatewayv2';
import {
  BackupClient,
  DescribeBackupVaultCommand,
  GetBackupPlanCommand,
  GetBackupSelectionCommand,
} from '@aws-sdk/client-backup';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import {
  CloudTrailClient,
  GetEventSelectorsCommand,
  GetTrailCommand,
  GetTrailStatusCommand,
} from '@aws-sdk/client-cloudtrail';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeFlowLogsCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeVpcEndpointsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { DescribeRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
} from '@aws-sdk/client-kms';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  GetBucketPolicyCommand,
  GetObjectLockConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { GetWebACLCommand, WAFV2Client } from '@aws-sdk/client-wafv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { templateCheckNames } from '../../compliance/checks/pack.ts';
import { controls, controlsFor, regulations } from '../../compliance/controls.ts';
import { complianceProfileNames } from '../../compliance/profiles.ts';
import { reportDocument } from '../../compliance/report/document.ts';
import { renderMarkdown } from '../../compliance/report/markdown.ts';
import type { ComplianceReport } from '../../compliance/report/report.ts';
import {
  type SelfAuditCheckName,
  type SelfAuditCheckStatus,
  selfAuditCheckNames,
} from '../../functions/config/self-audit.ts';
import { type ProviderConfig, toItem, withDefaults } from '../../functions/registry/provider.ts';
import { keyDataActions } from '../../infra/key-actions.ts';
import { type SelfAuditTrigger, toRunItem } from '../../ops/review/run-record.ts';
import { cli, tempFiles } from '../cli/helpers.ts';
import { deployment, outputRef } from '../infra/deployment.ts';

const synthesisBudgetMs = 240_000;

interface TemplateJson {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  Outputs: Record<string, { Value: unknown }>;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

const controlOf = (report: ComplianceReport, id: string) => {
  const control = report.controls.find((c) => c.id === id);
  if (control === undefined) throw new Error(`no control ${id} in the report`);
  return control;
};

/** `it(…)` and `test(…)` titles of a test file, a computed part (`${…}`) written `…`. */
function testTitles(source: string): string[] {
  const call = /\b(?:it|test)(?:\.(?:only|skip|concurrent))?\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/g;
  return [...source.matchAll(call)].map(([, , title = '']) =>
    title.replace(/\$\{[^}]*\}/g, '…').replace(/\\(.)/g, '$1'),
  );
}

/** Whether a test file runs `file`: it is one, or a test file beside it imports it. */
function isRun(file: string): boolean {
  if (file.endsWith('.test.ts')) return true;
  const folder = dirname(file);
  const name = file.slice(folder.length + 1);
  return readdirSync(folder)
    .filter((entry) => entry.endsWith('.test.ts'))
    .some((entry) => readFileSync(join(folder, entry), 'utf8').includes(`'./${name}'`));
}

describe('the control catalogue', () => {
  it('names every test that proves a control as it exists, in a file that runs', () => {
    const missing = controls.flatMap((control) =>
      control.tests.flatMap((test) => {
        if (!existsSync(test.file)) return [`${control.id}: no file ${test.file}`];
        if (!isRun(test.file)) return [`${control.id}: ${test.file} is run by no test file`];
        return testTitles(readFileSync(test.file, 'utf8')).includes(test.name)
          ? []
          : [`${control.id}: no test “${test.name}” in ${test.file}`];
      }),
    );
    expect(missing).toEqual([]);
  });

  it('reads titles as vitest does, and misses a title that is not there', () => {
    const source = [
      "it('plain', () => {});",
      'it(\n  "on the next line", () => {});',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: test source text, not a template
      'it(`keeps ${days} days`, () => {});',
      "it('it\\'s escaped', () => {});",
    ].join('\n');
    expect(testTitles(source)).toEqual([
      'plain',
      'on the next line',
      'keeps … days',
      "it's escaped",
    ]);
    expect(testTitles(source)).not.toContain('a made-up title');
  });

  it('gives every regulated profile controls, each with checks and tests, under unique ids', () => {
    for (const profile of Object.keys(regulations) as (keyof typeof regulations)[]) {
      expect(controlsFor([profile]).length).toBeGreaterThan(0);
    }
    expect(new Set(controls.map((c) => c.id)).size).toBe(controls.length);
    for (const control of controls) {
      expect(control.checks.length).toBeGreaterThan(0);
      expect(control.tests.length).toBeGreaterThan(0);
      for (const check of control.checks) expect(templateCheckNames).toContain(check);
    }
  });

  it('uses every template check in some control', () => {
    const used = new Set(controls.flatMap((c) => c.checks));
    expect(templateCheckNames.filter((name) => !used.has(name))).toEqual([]);
  });
});

describe('usage', () => {
  it('shows an example and the exit codes in --help', async () => {
    const { code, stdout } = await cli(['compliance', 'report', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('$ webhooks compliance report --profile pci-dss --out report.md');
    expect(stdout).toMatch(/Exit codes: 0 no control fails, 1 a control fails/);
    expect(stdout).toContain('--test-results <file>');
    expect(stdout).toMatch(/A template alone never\s+makes more than configured/);
  });

  it.each([
    [['--profile', 'sox'], /unknown profile 'sox' \(profiles: baseline, gdpr/],
    [['--out', 'report.txt'], /--out must end in \.md, \.html or \.json/],
    [['--json', '--out', 'report.md'], /--json writes JSON, but --out 'report.md'/],
    [['--region', 'eu-west-1'], /--region goes with --stack only/],
    [['--template', '/nonexistent/template.json'], /cannot read the template .* \(ENOENT\)/],
  ])('refuses %j with exit code 2 and says why', async (flags, message) => {
    const { code, stdout, stderr } = await cli(['compliance', 'report', ...flags]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });

  it('says how to make a template that does not exist yet', async () => {
    const missing = 'cdk.out/no-such-profile/webhook-ingestion.template.json';
    const { code, stderr } = await cli(['compliance', 'report', '--template', missing]);
    expect(code).toBe(2);
    expect(stderr).toContain('(ENOENT): `npm run synth` writes every profile');
    expect(stderr).toContain('leave out --template to synthesize the app in this process');
  });

  it('refuses a JSON file that is not a template', async () => {
    const { notTemplate = '' } = tempFiles({ notTemplate: '{"Resources": []}' });
    const { code, stderr } = await cli(['compliance', 'report', '--template', notTemplate]);
    expect(code).toBe(2);
    expect(stderr).toContain('is not a CloudFormation template: no Resources');
  });
});

describe('a report from the app synthesized in-process for pci-dss', () => {
  let run: { code: number; stdout: string; stderr: string };
  let report: ComplianceReport;
  beforeAll(async () => {
    run = await cli(['compliance', 'report', '--profile', 'pci-dss', '--json']);
    report = JSON.parse(run.stdout);
  }, synthesisBudgetMs);

  it('shows progress on stderr and keeps stdout for the report', () => {
    expect(run.stderr).toMatch(/synthesizing the CDK app for pci-dss .*\n(.*\n)*synthesized in \d/);
    expect(report.template).toMatchObject({ source: 'synthesized' });
    expect(report.stack).toEqual({ status: 'template-only' });
  });

  it('lists every PCI DSS control of the catalogue, each with evidence and tests', () => {
    expect(report.regulations).toEqual(['PCI DSS v4.0.1']);
    expect(report.controls.map((c) => c.id)).toEqual(controlsFor(['pci-dss']).map((c) => c.id));
    for (const control of report.controls) {
      expect(control.checks.every((check) => check.evidence.length > 0)).toBe(true);
      expect(control.tests.length).toBeGreaterThan(0);
    }
    const encryption = controlOf(report, 'pci-dss 3.5.1');
    expect(encryption.passed).toBe(true);
    expect(encryption.checks[0]?.evidence).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'AWS::DynamoDB::Table',
          property: 'SSESpecification.KMSMasterKeyId',
          value: expect.stringContaining('(alias/webhook-ingestion/audit)'),
        }),
      ]),
    );
    expect(controlOf(report, 'pci-dss 6.4.2').passed).toBe(true);
    expect(controlOf(report, 'pci-dss 1.3').passed).toBe(true);
    // The API's TLS_1_2 security policy: no TLS 1.0 or 1.1 at the default endpoint.
    expect(controlOf(report, 'pci-dss 4.2.1').passed).toBe(true);
  });

  it('says the synthesis subscribed the placeholder alarm address that pci-dss requires', () => {
    expect(report.notices).toEqual([
      expect.stringMatching(
        /^The template was synthesized with the placeholder alarm address alarms@example\.com, since pci-dss requires an alarm destination/,
      ),
    ]);
  });

  it('fails no PCI DSS control of the deployed app, exit code 0, each configured by the template alone', () => {
    expect(report.summary.passed).toBe(true);
    expect(run.code).toBe(0);
    // The template shows what is asked for, not what runs: configured, never PASS.
    expect(report.summary.evidence.weakest).toEqual({
      level: 'configured',
      controls: report.controls.length,
    });
    expect(run.stderr).toContain(
      `no control fails; weakest evidence: configured (template only), ${report.controls.length} of ${report.controls.length} controls`,
    );
  });

  it('exits 0 only when every control passes, and names each failing control on stderr', () => {
    expect(run.code).toBe(report.summary.passed ? 0 : 1);
    for (const failed of report.summary.failedControls) {
      expect(run.stderr).toContain(`failed: ${failed}`);
    }
  });

  it('reports the cdk-nag packs with no unacknowledged finding', () => {
    expect(report.nag).toEqual({
      available: true,
      packs: ['AwsSolutions', 'HIPAA.Security', 'PCI.DSS.321', 'NIST.800.53.R5', 'Serverless'],
      findings: [],
    });
    expect(report.summary.nag.unacknowledged).toBe(0);
  });

  it('lists the acknowledgements a VPC deployment records, with their reasons and logical ids', () => {
    const networkPolicy = report.acknowledgements.find(
      (a) => a.resource === "ingest Lambda role's network interface policy",
    );
    expect(networkPolicy?.reason).toMatch(/EC2 network interface actions/);
    expect(networkPolicy?.recordedOn).toEqual([
      expect.objectContaining({
        logicalId: expect.stringMatching(/^WebhookIngestionIngestNetwork/),
      }),
    ]);
    expect(report.acknowledgementsNotApplying.map((a) => a.condition)).toContain(
      'without VPC placement: baseline, gdpr and ccpa by default',
    );
  });

  it('gives the retention of each record class against what pci-dss asks', () => {
    expect(report.retention).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          recordClass: 'Delivery audit records (one per attempt)',
          kept: 'at least 400 days (class standard)',
          required: 'at least 400 days (pci-dss)',
          meetsProfiles: true,
        }),
        expect.objectContaining({
          recordClass: 'Logs (Lambda, API access and execution, WAF, VPC flow logs)',
          meetsProfiles: true,
        }),
      ]),
    );
  });
});

// The live stack, stood in for by SDK mocks: every client the report makes, mocked for every
// test of this file, so that none reaches AWS.
const cloudFormation = mockClient(CloudFormationClient);
const dynamodb = mockClient(DynamoDBClient);
const kms = mockClient(KMSClient);
const sqs = mockClient(SQSClient);
const logs = mockClient(CloudWatchLogsClient);
const lambda = mockClient(LambdaClient);
const apiGateway = mockClient(APIGatewayClient);
const apiGatewayV2 = mockClient(ApiGatewayV2Client);
const sns = mockClient(SNSClient);
const s3 = mockClient(S3Client);
const iam = mockClient(IAMClient);
const cloudTrail = mockClient(CloudTrailClient);
const ec2 = mockClient(EC2Client);
const wafv2 = mockClient(WAFV2Client);
const backup = mockClient(BackupClient);
const events = mockClient(EventBridgeClient);
const sts = mockClient(STSClient);
const liveMocks = [
  ...[cloudFormation, dynamodb, kms, sqs, logs, lambda, apiGateway, apiGatewayV2, sns, s3],
  ...[iam, cloudTrail, ec2, wafv2, backup, events, sts],
];

const account = '123456789012';
const region = 'eu-west-1';

/** The outputs a deployed stack of this template would have. */
function stackOutputsOf(template: TemplateJson) {
  return Object.entries(template.Outputs).map(([key, { Value }]) => {
    const ref = (Value as { Ref?: string }).Ref;
    const value = typeof Value === 'string' ? Value : `live-${ref ?? key}`;
    return {
      OutputKey: key,
      OutputValue: key.endsWith('Arn') ? `arn:aws:kms:${region}:${account}:key/${key}` : value,
    };
  });
}

/** The stack's outputs, tables, keys' rotation (refused) and queues, as live.ts reads them. */
function liveStackOf(template: TemplateJson, options: { readonly auditPitr: string }) {
  const outputs = stackOutputsOf(template);
  const arnOf = (key: string) => outputs.find((o) => o.OutputKey === key)?.OutputValue;
  cloudFormation.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'webhooks-prod',
        CreationTime: new Date(),
        StackStatus: 'CREATE_COMPLETE',
        Outputs: outputs,
      },
    ],
  });
  const auditTableName = outputs.find((o) => o.OutputKey === 'AuditTableName')?.OutputValue;
  dynamodb.on(DescribeTableCommand).callsFake(({ TableName }) => ({
    Table: {
      TableName,
      DeletionProtectionEnabled: true,
      SSEDescription: {
        Status: 'ENABLED',
        SSEType: 'KMS',
        KMSMasterKeyArn: arnOf(TableName === auditTableName ? 'AuditKeyArn' : 'SecretsKeyArn'),
      },
    },
  }));
  dynamodb.on(DescribeContinuousBackupsCommand).callsFake(({ TableName }) => ({
    ContinuousBackupsDescription: {
      ContinuousBackupsStatus: 'ENABLED',
      PointInTimeRecoveryDescription: {
        PointInTimeRecoveryStatus: TableName === auditTableName ? options.auditPitr : 'ENABLED',
      },
    },
  }));
  dynamodb.on(DescribeTimeToLiveCommand).resolves({
    TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' },
  });
  kms.on(GetKeyRotationStatusCommand).rejects(
    Object.assign(new Error('not authorized to perform kms:GetKeyRotationStatus'), {
      name: 'AccessDeniedException',
    }),
  );
  sqs.on(GetQueueAttributesCommand).resolves({
    Attributes: {
      KmsMasterKeyId: arnOf('QueueKeyArn') ?? '',
      Policy: JSON.stringify({
        Statement: [{ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
      }),
    },
  });
}

/** A physical id for each resource, as CloudFormation would list it. */
const physicalId = (id: string, type: string) =>
  type === 'AWS::Logs::LogGroup'
    ? `/webhooks-prod/${id}`
    : type === 'AWS::SNS::Topic'
      ? `arn:aws:sns:${region}:${account}:${id}`
      : type === 'AWS::WAFv2::WebACL'
        ? `${id}|a1b2c3|REGIONAL`
        : type === 'AWS::ApiGateway::Stage'
          ? 'v1'
          : `live-${id}`;

/** A resource's ARN, as its service writes it. */
function arnOfResource(id: string, type: string): string {
  const name = physicalId(id, type);
  const arns: Readonly<Record<string, string>> = {
    'AWS::DynamoDB::Table': `arn:aws:dynamodb:${region}:${account}:table/${name}`,
    'AWS::SQS::Queue': `arn:aws:sqs:${region}:${account}:${name}`,
    'AWS::S3::Bucket': `arn:aws:s3:::${name}`,
    'AWS::KMS::Key': `arn:aws:kms:${region}:${account}:key/${name}`,
    'AWS::Lambda::Function': `arn:aws:lambda:${region}:${account}:function:${name}`,
    'AWS::Logs::LogGroup': `arn:aws:logs:${region}:${account}:log-group:${name}`,
    'AWS::SNS::Topic': name,
  };
  return arns[type] ?? `arn:aws:${type.split('::')[1]?.toLowerCase()}:${region}:${account}:${name}`;
}

/** A template value as the deployed stack holds it: `Ref`, `Fn::GetAtt` and `Fn::Join` resolved. */
function resolvedIn(template: TemplateJson): (value: unknown) => unknown {
  const pseudo: Readonly<Record<string, string>> = {
    'AWS::Region': region,
    'AWS::AccountId': account,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    const record = value as Record<string, unknown>;
    if (typeof record.Ref === 'string') {
      return (
        pseudo[record.Ref] ?? physicalId(record.Ref, template.Resources[record.Ref]?.Type ?? '')
      );
    }
    const getAtt = record['Fn::GetAtt'];
    if (Array.isArray(getAtt)) {
      const [id = '', attribute] = getAtt as string[];
      const type = template.Resources[id]?.Type ?? '';
      return attribute === 'Arn' ? arnOfResource(id, type) : physicalId(id, type);
    }
    const join = record['Fn::Join'];
    if (Array.isArray(join)) {
      const [separator, parts] = join as [string, unknown[]];
      return (resolve(parts) as unknown[]).map(String).join(separator);
    }
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, resolve(v)]));
  };
  return resolve;
}

/**
 * Every resource class the controls cite, as the template sets it: the stack's resources
 * listed, log groups, functions, API stages and APIs, topics, the buckets' Object Lock and
 * policies, key policies and specs, IAM policies, the trail, the network, the web ACL, the
 * backups, the digest schedule and the deployed template.
 */
function resourcesInPlaceOf(template: TemplateJson) {
  const resources = Object.entries(template.Resources);
  const resolve = resolvedIn(template);
  const byPhysical = new Map(
    resources.map(([id, r]) => [physicalId(id, r.Type), { id, ...r }] as const),
  );
  const propertiesOf = (physical: string | undefined) =>
    byPhysical.get(physical ?? '')?.Properties ?? {};
  const keyArn = new Map(
    stackOutputsOf(template).flatMap(({ OutputKey, OutputValue }) => {
      const getAtt = (template.Outputs[OutputKey]?.Value as { 'Fn::GetAtt'?: string[] })?.[
        'Fn::GetAtt'
      ];
      return getAtt?.[1] === 'Arn' ? [[getAtt[0], OutputValue] as const] : [];
    }),
  );
  const refOf = (value: unknown) =>
    (value as { Ref?: string })?.Ref ?? (value as { 'Fn::GetAtt'?: string[] })?.['Fn::GetAtt']?.[0];
  const policyText = (document: unknown) => JSON.stringify(resolve(document) ?? {});
  cloudFormation.on(ListStackResourcesCommand).resolves({
    StackResourceSummaries: resources.map(([id, r]) => ({
      LogicalResourceId: id,
      PhysicalResourceId: physicalId(id, r.Type),
      ResourceType: r.Type,
      LastUpdatedTimestamp: new Date(),
      ResourceStatus: 'CREATE_COMPLETE',
    })),
  });
  cloudFormation.on(GetTemplateCommand).resolves({ TemplateBody: JSON.stringify(template) });
  logs.on(DescribeLogGroupsCommand).callsFake(({ logGroupNamePrefix }) => {
    const group = byPhysical.get(logGroupNamePrefix);
    const key = refOf(group?.Properties?.KmsKeyId);
    return {
      logGroups: [
        {
          logGroupName: logGroupNamePrefix,
          retentionInDays: group?.Properties?.RetentionInDays as number | undefined,
          kmsKeyId: (key && keyArn.get(key)) ?? `arn:aws:kms:${region}:${account}:key/${key}`,
        },
      ],
    };
  });
  lambda.on(GetFunctionConfigurationCommand).callsFake(({ FunctionName }) => {
    const properties = propertiesOf(FunctionName);
    const vpc = properties.VpcConfig as { SubnetIds?: unknown[] } | undefined;
    const variables = resolve(
      (properties.Environment as { Variables?: Record<string, unknown> })?.Variables ?? {},
    ) as Record<string, unknown>;
    return {
      Runtime: 'nodejs24.x',
      VpcConfig: { SubnetIds: (vpc?.SubnetIds ?? []).map((_, i) => `subnet-${i}`) },
      Environment: {
        Variables: Object.fromEntries(
          Object.entries(variables).filter(([, v]) => typeof v === 'string'),
        ) as Record<string, string>,
      },
    };
  });
  /** A stage's access log settings as the template sets them, the log group by its name. */
  const accessLog = (type: string, property: string) => {
    const stage = resources.find(([, r]) => r.Type === type);
    const setting = stage?.[1].Properties?.[property] as
      | { DestinationArn?: unknown; Format?: string }
      | undefined;
    const group = physicalId(refOf(setting?.DestinationArn) ?? '', 'AWS::Logs::LogGroup');
    return {
      destinationArn: `arn:aws:logs:${region}:${account}:log-group:${group}`,
      format: setting?.Format,
    };
  };
  apiGateway.on(GetStageCommand).callsFake(() => {
    const acl = resources.find(([, r]) => r.Type === 'AWS::WAFv2::WebACL')?.[0];
    return {
      accessLogSettings: accessLog('AWS::ApiGateway::Stage', 'AccessLogSetting'),
      methodSettings: { '*/*': { dataTraceEnabled: false } },
      ...(acl === undefined
        ? {}
        : { webAclArn: `arn:aws:wafv2:${region}:${account}:regional/webacl/${acl}/a1b2c3` }),
    };
  });
  apiGateway.on(GetRestApiCommand).callsFake(({ restApiId }) => {
    const properties = propertiesOf(restApiId);
    return {
      endpointConfiguration: {
        types: (properties.EndpointConfiguration as { Types?: string[] } | undefined)?.Types,
      },
      disableExecuteApiEndpoint: properties.DisableExecuteApiEndpoint === true,
      securityPolicy: properties.SecurityPolicy as 'TLS_1_2' | undefined,
      binaryMediaTypes: properties.BinaryMediaTypes as string[] | undefined,
    };
  });
  apiGateway.on(GetIntegrationCommand).callsFake(({ resourceId, httpMethod }) => {
    const method = resources.find(
      ([, r]) =>
        r.Type === 'AWS::ApiGateway::Method' &&
        r.Properties?.HttpMethod === httpMethod &&
        resolve(r.Properties?.ResourceId) === resourceId,
    );
    const integration = method?.[1].Properties?.Integration as
      | { Type?: 'AWS_PROXY'; Uri?: unknown }
      | undefined;
    return { type: integration?.Type, uri: resolve(integration?.Uri) as string | undefined };
  });
  apiGatewayV2.on(GetHttpStageCommand).callsFake(() => {
    const { destinationArn, format } = accessLog('AWS::ApiGatewayV2::Stage', 'AccessLogSettings');
    return { AccessLogSettings: { DestinationArn: destinationArn, Format: format } };
  });
  apiGatewayV2.on(GetApiCommand).callsFake(({ ApiId }) => ({
    ProtocolType: propertiesOf(ApiId).ProtocolType as 'HTTP' | undefined,
    DisableExecuteApiEndpoint: propertiesOf(ApiId).DisableExecuteApiEndpoint === true,
  }));
  apiGatewayV2.on(GetHttpIntegrationCommand).callsFake(({ IntegrationId }) => {
    const properties = propertiesOf(IntegrationId);
    return {
      IntegrationType: properties.IntegrationType as 'AWS_PROXY' | undefined,
      IntegrationUri: resolve(properties.IntegrationUri) as string | undefined,
      PayloadFormatVersion: properties.PayloadFormatVersion as string | undefined,
    };
  });
  sns.on(GetTopicAttributesCommand).resolves({
    Attributes: {
      Policy: JSON.stringify({
        Statement: [{ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
      }),
    },
  });
  s3.on(GetObjectLockConfigurationCommand).callsFake(({ Bucket }) => {
    const lock = propertiesOf(Bucket).ObjectLockConfiguration as
      | { Rule?: { DefaultRetention?: { Mode?: string; Days?: number; Years?: number } } }
      | undefined;
    return lock === undefined
      ? Promise.reject(
          Object.assign(new Error('no Object Lock'), {
            name: 'ObjectLockConfigurationNotFoundError',
          }),
        )
      : {
          ObjectLockConfiguration: {
            ObjectLockEnabled: 'Enabled',
            Rule: { DefaultRetention: lock.Rule?.DefaultRetention },
          },
        };
  });
  s3.on(GetBucketPolicyCommand).callsFake(({ Bucket }) => {
    const policy = resources.find(
      ([, r]) => r.Type === 'AWS::S3::BucketPolicy' && resolve(r.Properties?.Bucket) === Bucket,
    );
    return policy === undefined
      ? Promise.reject(Object.assign(new Error('no policy'), { name: 'NoSuchBucketPolicy' }))
      : { Policy: policyText(policy[1].Properties?.PolicyDocument) };
  });
  kms.on(GetKeyRotationStatusCommand).callsFake(({ KeyId }) => {
    const key = propertiesOf(KeyId);
    return {
      KeyRotationEnabled: key.EnableKeyRotation === true,
      ...(typeof key.RotationPeriodInDays === 'number'
        ? { RotationPeriodInDays: key.RotationPeriodInDays }
        : {}),
    };
  });
  kms.on(GetKeyPolicyCommand).callsFake(({ KeyId }) => ({
    Policy: policyText(propertiesOf(KeyId).KeyPolicy),
  }));
  kms.on(DescribeKeyCommand).callsFake(({ KeyId }) => ({
    KeyMetadata: {
      KeyId,
      Enabled: true,
      KeySpec: propertiesOf(KeyId).KeySpec as 'ECC_NIST_P256' | undefined,
      KeyUsage: propertiesOf(KeyId).KeyUsage as 'SIGN_VERIFY' | undefined,
    },
  }));
  iam.on(GetPolicyCommand).resolves({ Policy: { DefaultVersionId: 'v1' } });
  iam.on(GetPolicyVersionCommand).callsFake(({ PolicyArn }) => ({
    PolicyVersion: {
      Document: encodeURIComponent(policyText(propertiesOf(PolicyArn).PolicyDocument)),
    },
  }));
  iam.on(GetRolePolicyCommand).callsFake(({ PolicyName }) => ({
    PolicyDocument: encodeURIComponent(policyText(propertiesOf(PolicyName).PolicyDocument)),
  }));
  iam.on(GetRoleCommand).callsFake(({ RoleName }) => ({
    Role: {
      AssumeRolePolicyDocument: encodeURIComponent(
        policyText(propertiesOf(RoleName).AssumeRolePolicyDocument),
      ),
    },
  }));
  cloudTrail.on(GetTrailCommand).callsFake(({ Name }) => ({
    Trail: {
      LogFileValidationEnabled: propertiesOf(Name).EnableLogFileValidation === true,
      KmsKeyId: resolve(propertiesOf(Name).KMSKeyId) as string | undefined,
    },
  }));
  cloudTrail.on(GetTrailStatusCommand).callsFake(({ Name }) => ({
    IsLogging: propertiesOf(Name).IsLogging === true,
  }));
  cloudTrail.on(GetEventSelectorsCommand).callsFake(({ TrailName }) => ({
    AdvancedEventSelectors: resolve(propertiesOf(TrailName).AdvancedEventSelectors) as [],
  }));
  ec2.on(DescribeSecurityGroupRulesCommand).callsFake(({ Filters }) => {
    const groupId = Filters?.[0]?.Values?.[0] ?? '';
    const group = byPhysical.get(groupId);
    const inline = (group?.Properties?.SecurityGroupEgress as unknown[] | undefined) ?? [];
    const separate = resources
      .filter(
        ([, r]) =>
          r.Type === 'AWS::EC2::SecurityGroupEgress' && resolve(r.Properties?.GroupId) === groupId,
      )
      .map(([, r]) => r.Properties);
    return {
      SecurityGroupRules: [...inline, ...separate].map((rule) => {
        const r = resolve(rule) as Record<string, string | number | undefined>;
        return {
          GroupId: groupId,
          IsEgress: true,
          IpProtocol: String(r.IpProtocol),
          FromPort: r.FromPort as number | undefined,
          ToPort: r.ToPort as number | undefined,
          CidrIpv4: r.CidrIp as string | undefined,
          CidrIpv6: r.CidrIpv6 as string | undefined,
          PrefixListId: r.DestinationPrefixListId as string | undefined,
          ...(r.DestinationSecurityGroupId === undefined
            ? {}
            : { ReferencedGroupInfo: { GroupId: r.DestinationSecurityGroupId as string } }),
        };
      }),
    };
  });
  ec2.on(DescribeVpcEndpointsCommand).callsFake(({ VpcEndpointIds }) => {
    const properties = propertiesOf(VpcEndpointIds?.[0]);
    return {
      VpcEndpoints: [
        {
          VpcEndpointId: VpcEndpointIds?.[0],
          ServiceName: resolve(properties.ServiceName) as string,
          State: 'available',
          PolicyDocument: policyText(properties.PolicyDocument),
        },
      ],
    };
  });
  ec2.on(DescribeFlowLogsCommand).callsFake(({ FlowLogIds }) => ({
    FlowLogs: [
      {
        FlowLogId: FlowLogIds?.[0],
        TrafficType: propertiesOf(FlowLogIds?.[0]).TrafficType as 'ALL',
        FlowLogStatus: 'ACTIVE',
      },
    ],
  }));
  wafv2.on(GetWebACLCommand).callsFake(({ Name }) => {
    const rules = (propertiesOf(physicalId(Name ?? '', 'AWS::WAFv2::WebACL')).Rules ??
      []) as Array<{ Name: string; Statement?: Record<string, unknown> }>;
    return {
      WebACL: {
        Name,
        Id: 'a1b2c3',
        ARN: `arn:aws:wafv2:${region}:${account}:regional/webacl/${Name}/a1b2c3`,
        DefaultAction: { Allow: {} },
        VisibilityConfig: undefined,
        Rules: rules.map((rule) => ({
          Name: rule.Name,
          Priority: 0,
          Statement: rule.Statement?.RateBasedStatement
            ? { RateBasedStatement: { Limit: 100, AggregateKeyType: 'IP' as const } }
            : {},
          VisibilityConfig: undefined,
        })),
      },
    };
  });
  backup.on(DescribeBackupVaultCommand).callsFake(({ BackupVaultName }) => ({
    BackupVaultName,
    Locked: true,
    MinRetentionDays: (
      propertiesOf(BackupVaultName).LockConfiguration as { MinRetentionDays?: number }
    )?.MinRetentionDays,
  }));
  backup.on(GetBackupPlanCommand).callsFake(({ BackupPlanId }) => {
    const plan = resolve(propertiesOf(BackupPlanId).BackupPlan) as {
      BackupPlanRule?: Array<{
        TargetBackupVault?: string;
        Lifecycle?: { DeleteAfterDays?: number };
      }>;
    };
    return {
      BackupPlan: {
        BackupPlanName: 'Plan',
        Rules: (plan?.BackupPlanRule ?? []).map((rule) => ({
          RuleName: 'Daily',
          TargetBackupVaultName: rule.TargetBackupVault,
          Lifecycle: rule.Lifecycle,
        })),
      },
    };
  });
  backup.on(GetBackupSelectionCommand).callsFake(({ SelectionId }) => {
    const selection = resolve(propertiesOf(SelectionId).BackupSelection) as {
      Resources?: string[];
    };
    return {
      BackupSelection: {
        SelectionName: 'Tables',
        IamRoleArn: `arn:aws:iam::${account}:role/backup`,
        Resources: selection?.Resources ?? [],
      },
    };
  });
  events.on(DescribeRuleCommand).callsFake(({ Name }) => ({
    Name,
    ScheduleExpression: propertiesOf(Name).ScheduleExpression as string | undefined,
    State: 'ENABLED',
  }));
  sts.on(GetCallerIdentityCommand).resolves({
    Arn: `arn:aws:sts::${account}:assumed-role/Auditor/alice`,
    Account: account,
    UserId: 'AROAEXAMPLE:alice',
  });
}

describe('a report from a synthesized gdpr + ccpa template in its cloud assembly', () => {
  let templatePath: string;
  let template: TemplateJson;
  beforeAll(() => {
    const d = deployment({ profiles: 'gdpr,ccpa' });
    templatePath = d.assembly.getStackByName(d.stack.stackName).templateFullPath;
    template = readJson<TemplateJson>(templatePath);
  }, synthesisBudgetMs);

  const reportOf = async (path: string, ...flags: string[]) => {
    const run = await cli(['compliance', 'report', '--template', path, '--json', ...flags]);
    return { ...run, report: JSON.parse(run.stdout) as ComplianceReport };
  };

  it("carries the Lambdas' runtimes, their SBOM, and says the registry was not asked", async () => {
    const { folder = '' } = tempFiles({});
    const sbomPath = join(folder, 'sbom.json');
    const { report, stderr } = await reportOf(templatePath, '--sbom', sbomPath);
    const chain = report.supplyChain;
    expect(chain?.runtimes.length).toBeGreaterThan(1);
    for (const fn of chain?.runtimes ?? []) {
      expect(fn).toMatchObject({
        runtime: 'nodejs24.x',
        deprecation: '2028-04-30',
        blockUpdate: '2028-07-01',
      });
    }
    // The tests point npm's registry at a loopback port that refuses (vitest.config.ts).
    expect(chain?.advisories).toMatchObject({
      status: 'not-checked',
      reason: expect.stringMatching(
        /^http:\/\/127\.0\.0\.1:9\/-\/npm\/v1\/security\/advisories\/bulk could not be asked/,
      ),
    });
    expect(stderr).toContain(`wrote ${sbomPath}`);
    const sbom = readJson<{ bomFormat: string; components: { purl: string }[] }>(sbomPath);
    expect(sbom.bomFormat).toBe('CycloneDX');
    expect(sbom.components.map((c) => c.purl)).toContain(
      'pkg:npm/%40aws-sdk/client-dynamodb@3.1169.0',
    );
    const offline = await reportOf(templatePath, '--offline');
    expect(offline.report.supplyChain?.advisories).toMatchObject({
      status: 'not-checked',
      reason: 'not asked (--offline)',
    });
  });

  it("takes the profiles from the template's output and passes every GDPR and CCPA control", async () => {
    const { code, report, stderr } = await reportOf(templatePath);
    expect(report.profiles).toEqual(['gdpr', 'ccpa']);
    expect(report.profilesSource).toBe('template');
    expect(report.controls.map((c) => [c.id, c.passed])).toEqual(
      controlsFor(['gdpr', 'ccpa']).map((c) => [c.id, true]),
    );
    expect(code).toBe(0);
    // A template alone shows what is asked for, not what runs: no PASS, the weakest level named.
    expect(stderr).toContain(
      'no control fails; weakest evidence: configured (template only), 5 of 5 controls',
    );
    expect(stderr).not.toContain('PASS');
  });

  it('reads every control of a template-only report as configured, never PASS', async () => {
    const { report } = await reportOf(templatePath);
    expect(report.controls.map((c) => c.evidence.level)).toEqual(
      report.controls.map(() => 'configured'),
    );
    expect(report.summary.evidence.weakest).toEqual({
      level: 'configured',
      controls: report.controls.length,
    });
    for (const control of report.controls) {
      expect(control.evidence.inPlace).toEqual({
        status: 'not-read',
        reason: 'template only: run the report with --stack to read the deployed settings',
      });
      expect(control.evidence.tests).toEqual({
        status: 'not-run',
        reason: 'not run with this report',
      });
    }
    const markdown = renderMarkdown(reportDocument(report));
    expect(markdown).not.toContain('PASS');
    expect(markdown).toContain(
      `| Result | Weakest evidence: **configured** (template only) — ${report.controls.length} of ${report.controls.length} controls.`,
    );
    expect(markdown).toMatch(/^#### Art\. 32: .* — \*\*configured\*\*$/m);
    expect(markdown).toContain('**Proved by (not run with this report: ');
  });

  it('states where its evidence came from and that it supports an assessment, not makes one', async () => {
    const { report } = await reportOf(templatePath, '--offline');
    const { metadata } = report;
    const bytes = readFileSync(templatePath);
    expect(metadata.templates).toEqual([
      { source: templatePath, sha256: createHash('sha256').update(bytes).digest('hex') },
    ]);
    expect(metadata.command).toBe(
      `webhooks compliance report --template ${templatePath} --json --offline`,
    );
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    expect(metadata.commit).toMatchObject({ status: 'git', sha: head });
    expect(metadata.versions).toEqual({
      node: process.version,
      webhookIngestion: '0.1.0',
      packages: {
        'aws-cdk-lib': expect.stringMatching(/^2\./),
        'cdk-nag': expect.stringMatching(/^\d+\./),
        '@cdklabs/cdk-validator-cfnguard': expect.stringMatching(/^\d+\./),
        constructs: expect.stringMatching(/^10\./),
      },
    });
    expect(metadata).toMatchObject({ deployment: null, caller: null, liveReadings: null });
    expect(metadata.generatedAt).toBe(report.generatedAt);
    expect(metadata.statement).toMatch(/^This report supports an assessment; it is not one\./);
    const markdown = renderMarkdown(reportDocument(report));
    expect(markdown).toContain('## About this report');
    expect(markdown).toContain(`| Reproduce with | \`${metadata.command}\` |`);
    expect(markdown).toContain(`\`${metadata.templates[0]?.sha256}\``);
  });

  it('shows whether the tests that prove a control ran, from vitest JSON results', async () => {
    const gdpr32 = controlsFor(['gdpr']).find((c) => c.id === 'gdpr 32');
    const [first, second] = gdpr32?.tests ?? [];
    if (first === undefined || second === undefined) throw new Error('gdpr 32 cites no tests');
    const { folder = '' } = tempFiles({});
    const resultsPath = join(folder, 'results.json');
    const startTime = Date.parse('2026-12-01T09:00:00.000Z');
    const concrete = (name: string) => name.replaceAll('…', '400');
    // A shared file of tests runs from a test file beside it (the deployment checks).
    const runner = (file: string) =>
      file.endsWith('.test.ts') ? file : join(dirname(file), 'runs-it.test.ts');
    writeFileSync(
      resultsPath,
      JSON.stringify({
        startTime,
        success: false,
        testResults: [
          {
            name: join(process.cwd(), runner(first.file)),
            assertionResults: [{ title: concrete(first.name), status: 'passed' }],
          },
          {
            name: join(process.cwd(), runner(second.file)),
            assertionResults: [{ title: concrete(second.name), status: 'failed' }],
          },
        ],
      }),
    );
    const { report } = await reportOf(templatePath, '--test-results', resultsPath);
    const tests = controlOf(report, 'gdpr 32').evidence.tests;
    expect(tests).toMatchObject({ status: 'ran', ranAt: '2026-12-01T09:00:00.000Z' });
    const outcomes = tests.status === 'ran' ? tests.tests.map((t) => t.outcome) : [];
    expect(outcomes.slice(0, 2)).toEqual(['passed', 'failed']);
    expect(outcomes.slice(2).every((o) => o === 'not in the results')).toBe(true);
    // Tests alone do not make a control operating: nothing was read from a deployed stack.
    expect(controlOf(report, 'gdpr 32').evidence.level).toBe('configured');
    expect(renderMarkdown(reportDocument(report))).toContain(
      `**Proved by (results of ${resultsPath}, run 2026-12-01T09:00:00.000Z):**`,
    );
    const { folder: other = '' } = tempFiles({});
    const notJson = join(other, 'results.json');
    writeFileSync(notJson, 'not json');
    const refused = await cli([
      'compliance',
      'report',
      '--template',
      templatePath,
      '--test-results',
      notJson,
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`--test-results ${notJson} is not JSON`);
  });

  it('reads the nag results and acknowledgements from the assembly beside the template', async () => {
    const { report } = await reportOf(templatePath);
    expect(report.nag).toEqual({ available: true, findings: [] });
    const resources = report.acknowledgements.map((a) => a.resource);
    expect(resources).toContain('ingest Lambda');
    expect(resources).not.toContain("ingest Lambda role's network interface policy");
    expect(
      report.acknowledgements.find((a) => a.rules.includes('PCI.DSS.321-LambdaInsideVPC')),
    ).toMatchObject({ reason: expect.stringMatching(/do not require network isolation/) });
  });

  it('keeps no payload copy (gdpr) and consumer records 24 months (ccpa)', async () => {
    const { report } = await reportOf(templatePath);
    const row = (recordClass: string) =>
      report.retention.find((r) => r.recordClass === recordClass);
    expect(row('Redacted payload copies')).toMatchObject({
      kept: 'none kept',
      required: 'none (gdpr)',
      meetsProfiles: true,
    });
    expect(row('Delivery audit records (one per attempt)')).toMatchObject({
      kept: 'at least 731 days (class consumer-requests)',
      meetsProfiles: true,
    });
  });

  it('says the periodic review was not read without --stack', async () => {
    const { report } = await reportOf(templatePath);
    expect(report.periodicReview).toEqual({ status: 'not-read', reason: 'run with --stack' });
    const markdown = renderMarkdown(reportDocument(report));
    expect(markdown).toContain('## Periodic review (scheduled self-audit)');
    expect(markdown).toContain('Not read: run with --stack.');
  });

  it('names the AWS Config rules the template creates, and says when it creates none', async () => {
    const { report } = await reportOf(templatePath);
    expect(report.configRules).toEqual([]);
    expect(renderMarkdown(reportDocument(report))).toContain(
      'AWS Config rules: none in this template',
    );
    const withRules = structuredClone(template);
    withRules.Resources.TablesEncrypted = {
      Type: 'AWS::Config::ConfigRule',
      Properties: {
        Source: { Owner: 'AWS', SourceIdentifier: 'DYNAMODB_TABLE_ENCRYPTED_KMS' },
      },
    };
    const { path = '' } = tempFiles({ path: JSON.stringify(withRules) });
    const named = await reportOf(path);
    expect(named.report.configRules).toEqual([
      { resource: 'TablesEncrypted', identifier: 'DYNAMODB_TABLE_ENCRYPTED_KMS' },
    ]);
    expect(renderMarkdown(reportDocument(named.report))).toContain(
      '`DYNAMODB_TABLE_ENCRYPTED_KMS` (TablesEncrypted)',
    );
  });

  it('fails the controls that need point-in-time recovery when a table lacks it, exit code 1', async () => {
    const broken = structuredClone(template);
    const auditTableId = outputRef(broken, 'AuditTableName');
    const properties = broken.Resources[auditTableId]?.Properties ?? {};
    delete properties.PointInTimeRecoverySpecification;
    const { path = '' } = tempFiles({ path: JSON.stringify(broken) });
    const { code, report, stderr } = await reportOf(path);
    expect(code).toBe(1);
    expect(report.summary.failedControls).toEqual([
      `${regulations.gdpr} Art. 32`,
      `${regulations.ccpa} 11 CCR §7101`,
    ]);
    const pitr = controlOf(report, 'gdpr 32').checks.find(
      (c) => c.name === 'tables-point-in-time-recovery',
    );
    expect(pitr?.problems).toEqual([`table ${auditTableId} has no point-in-time recovery`]);
    expect(stderr).toContain(`failed: ${regulations.gdpr} Art. 32 (Security of processing)`);
    expect(report.nag).toMatchObject({ available: false });
    expect(report.acknowledgementsKnown).toBe(false);
  });

  it('fails storage limitation when the template keeps payload copies under gdpr', async () => {
    const lenient = structuredClone(template);
    for (const resource of Object.values(lenient.Resources)) {
      const variables = (
        resource.Properties?.Environment as { Variables?: Record<string, unknown> }
      )?.Variables;
      if (variables?.PAYLOAD_COPY_CEILING !== undefined)
        variables.PAYLOAD_COPY_CEILING = 'standard';
    }
    const { path = '' } = tempFiles({ path: JSON.stringify(lenient) });
    const { code, report } = await reportOf(path);
    expect(code).toBe(1);
    expect(controlOf(report, 'gdpr 5(1)(e)').passed).toBe(false);
    expect(controlOf(report, 'ccpa 7101').passed).toBe(true);
  });

  it('writes Markdown and self-contained HTML with every value escaped', async () => {
    const hostile = structuredClone(template);
    const tableId = outputRef(hostile, 'RegistryTableName');
    const sse = hostile.Resources[tableId]?.Properties?.SSESpecification as Record<string, unknown>;
    sse.KMSMasterKeyId = '<script>alert(1)</script> | `x` **y**\n# z';
    const files = tempFiles({ 'template.json': JSON.stringify(hostile) });
    const hostilePath = files['template.json'] ?? '';
    const html = join(files.folder ?? '', 'report.html');
    const markdown = join(files.folder ?? '', 'report.md');
    expect(
      (await cli(['compliance', 'report', '--template', hostilePath, '--out', html])).code,
    ).toBe(1);
    expect(
      (await cli(['compliance', 'report', '--template', hostilePath, '--out', markdown])).code,
    ).toBe(1);

    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt; | `x` **y**');
    expect(page).not.toMatch(/<(link|img|iframe)\b|src=|href=/);
    expect(page).toContain('<span class="verdict fail">FAIL</span>');

    const text = readFileSync(markdown, 'utf8');
    expect(text).not.toContain('<script>');
    const row = text.split('\n').find((line) => line.includes('alert(1)')) ?? '';
    expect(row).toContain('&lt;script&gt;alert(1)&lt;/script&gt; \\| \\`x\\` \\*\\*y\\*\\* \\# z');
    // The value stays in its cell: as many unescaped pipes as the header row has.
    const cells = (line: string) => line.replace(/\\\|/g, '').split('|').length;
    expect(cells(row)).toBe(cells('| Resource | Type | Property | Template value |'));
  });

  describe('against a live stack', () => {
    afterEach(() => {
      for (const mock of liveMocks) mock.reset();
    });

    const stackOutputs = () => stackOutputsOf(template);
    const liveStack = (options: { readonly auditPitr: string }) => liveStackOf(template, options);
    const live = (...flags: string[]) =>
      reportOf(templatePath, '--stack', 'webhooks-prod', '--region', 'eu-west-1', ...flags);
    const resourcesInPlace = () => resourcesInPlaceOf(template);

    /** A registered provider's item, with a key the report never reads. */
    const providerItem = (providerId: string, sources?: ProviderConfig['sources']) =>
      toItem({
        ...withDefaults({ providerId, scheme: 'github' }),
        ...(sources === undefined ? {} : { sources }),
        keys: [{ version: 1, kind: 'secret', ciphertext: new Uint8Array(32), createdAtMs: 0 }],
        updatedAtMs: 0,
        revision: 1,
      });

    it("lists each provider's source allowlist from the live registry", async () => {
      liveStack({ auditPitr: 'ENABLED' });
      dynamodb.on(ScanCommand).resolves({
        Items: [
          providerItem('github-prod', {
            ranges: ['203.0.113.0/24'],
            published: {
              list: 'github',
              ranges: ['192.30.252.0/22'],
              fetchedAtMs: Date.parse('2026-12-01T00:00:00.000Z'),
            },
          }),
          providerItem('open-door'),
        ],
      });
      const { report } = await live('--profile', 'hipaa');
      expect(report.sourceAllowlists).toEqual({
        status: 'read',
        providers: [
          {
            providerId: 'github-prod',
            enabled: true,
            ranges: ['203.0.113.0/24', '192.30.252.0/22'],
            published: { list: 'github', fetchedAt: '2026-12-01T00:00:00.000Z' },
          },
          { providerId: 'open-door', enabled: true, ranges: [] },
        ],
      });
      const registryTable = stackOutputs().find((o) => o.OutputKey === 'RegistryTableName');
      expect(dynamodb.commandCalls(ScanCommand)[0]?.args[0].input.TableName).toBe(
        registryTable?.OutputValue,
      );
      const markdown = renderMarkdown(reportDocument(report));
      expect(markdown).toContain(
        '1 of 2 registered providers accept deliveries only from listed ranges',
      );
      expect(markdown).toMatch(/`open-door` \| yes \| any address/);
    });

    /** A self-audit run's item, every check passed but those given. */
    const runItem = (
      startedAt: string,
      trigger: SelfAuditTrigger,
      statuses: Partial<Record<SelfAuditCheckName, SelfAuditCheckStatus>> = {},
    ) =>
      toRunItem({
        run: {
          runId: `run-${startedAt.slice(0, 13)}-${trigger}`,
          startedAt,
          finishedAt: startedAt,
          profiles: ['gdpr', 'ccpa'],
          settings: { cryptoperiodDays: 365, idleProviderDays: 30, integrityWindowSeconds: 86_400 },
          checks: selfAuditCheckNames.map((name) => {
            const status = statuses[name] ?? 'passed';
            return {
              name,
              status,
              ...(status === 'not_run' ? { reason: 'permission missing: kms:GetKeyPolicy' } : {}),
              findings: status === 'failed' ? ['a finding'] : [],
            };
          }),
        },
        actor:
          trigger === 'schedule'
            ? 'arn:aws:sts::123456789012:assumed-role/SelfAudit/fn'
            : 'arn:aws:iam::123456789012:user/ops',
        host: 'lambda:self-audit',
        trigger,
        target: 'webhooks-prod',
      });

    it("cites the scheduled self-audit's runs as evidence of periodic review", async () => {
      liveStack({ auditPitr: 'ENABLED' });
      // Newest first, as the Query reads them; an operator's run is no periodic review.
      dynamodb.on(QueryCommand).resolves({
        Items: [
          runItem('2026-11-03T10:00:00.000Z', 'operator', { 'idle-providers': 'failed' }),
          runItem('2026-11-03T05:00:00.000Z', 'schedule', { 'access-changes': 'not_run' }),
          runItem('2026-11-02T05:00:00.000Z', 'schedule', { 'key-cryptoperiod': 'failed' }),
          runItem('2026-11-01T05:00:00.000Z', 'schedule'),
        ],
      });
      const { report } = await live();
      expect(report.periodicReview).toEqual({
        status: 'read',
        runs: 3,
        firstRunAt: '2026-11-01T05:00:00.000Z',
        everyDays: 1,
        lastRun: {
          startedAt: '2026-11-03T05:00:00.000Z',
          passedChecks: selfAuditCheckNames.filter((name) => name !== 'access-changes'),
          failedChecks: [],
          notRunChecks: ['access-changes'],
        },
        lastFailure: {
          startedAt: '2026-11-02T05:00:00.000Z',
          passedChecks: selfAuditCheckNames.filter((name) => name !== 'key-cryptoperiod'),
          failedChecks: ['key-cryptoperiod'],
          notRunChecks: [],
        },
      });
      const query = dynamodb.commandCalls(QueryCommand)[0]?.args[0].input;
      const auditTable = stackOutputs().find((o) => o.OutputKey === 'AuditTableName');
      expect(query).toMatchObject({
        TableName: auditTable?.OutputValue,
        ExpressionAttributeValues: { ':pk': { S: '_self-audit' } },
      });
      expect(renderMarkdown(reportDocument(report))).toContain(
        'checked daily since 2026-11-01T05:00:00.000Z, 3 runs, last run 2026-11-03T05:00:00.000Z: not run access-changes, last failure 2026-11-02T05:00:00.000Z (key-cryptoperiod).',
      );
    });

    it('says no scheduled run was found when only operators ran the self-audit', async () => {
      liveStack({ auditPitr: 'ENABLED' });
      dynamodb
        .on(QueryCommand)
        .resolves({ Items: [runItem('2026-11-03T10:00:00.000Z', 'operator')] });
      const { report } = await live();
      expect(report.periodicReview).toEqual({ status: 'none' });
      expect(renderMarkdown(reportDocument(report))).toContain('No scheduled run found.');
    });

    it('says the runs were not read when the audit table cannot be queried, naming the permission', async () => {
      liveStack({ auditPitr: 'ENABLED' });
      dynamodb.on(QueryCommand).rejects(
        Object.assign(new Error('not authorized to perform dynamodb:Query'), {
          name: 'AccessDeniedException',
        }),
      );
      const { code, report } = await live();
      expect(code).toBe(0);
      expect(report.periodicReview).toEqual({
        status: 'not-read',
        reason: 'permission missing: dynamodb:Query (AccessDeniedException)',
      });
    });

    it('says the allowlists were not read when the registry cannot be listed', async () => {
      liveStack({ auditPitr: 'ENABLED' });
      dynamodb.on(ScanCommand).rejects(
        Object.assign(new Error('not authorized to perform dynamodb:Scan'), {
          name: 'AccessDeniedException',
        }),
      );
      const { report } = await live();
      expect(report.sourceAllowlists).toEqual({
        status: 'not-read',
        reason: 'permission missing: dynamodb:Scan (AccessDeniedException)',
      });
    });

    it('compares live settings with the template and names a missing permission', async () => {
      liveStack({ auditPitr: 'ENABLED' });
      const { code, report } = await live();
      expect(code).toBe(0);
      expect(report.stack).toEqual({
        status: 'checked',
        name: 'webhooks-prod',
        region: 'eu-west-1',
      });
      expect(report.profilesSource).toBe('stack');
      const evidence = report.controls.flatMap((c) => c.checks.flatMap((check) => check.evidence));
      const pitr = controlOf(report, 'gdpr 32')
        .checks.flatMap((check) => check.evidence)
        .filter((e) => e.property.startsWith('PointInTimeRecoverySpecification'));
      // Each live value now carries the time it was read.
      expect(pitr.map((e) => e.live)).toEqual([
        { state: 'agrees', value: 'ENABLED', readAt: expect.any(String) },
        { state: 'agrees', value: 'ENABLED', readAt: expect.any(String) },
      ]);
      // Log groups are read too (CloudWatch Logs), found through the stack's resource list,
      // which this stack's stand-in leaves empty: not checked, never taken as agreeing.
      expect(evidence.find((e) => e.type === 'AWS::Logs::LogGroup')?.live).toEqual({
        state: 'not-checked',
        reason: 'the stack lists no such resource',
      });
      expect(report.summary.live?.differs).toBe(0);
      expect(report.summary.live?.agrees).toBeGreaterThan(5);
    });

    it('fails a control whose live setting contradicts the template', async () => {
      liveStack({ auditPitr: 'DISABLED' });
      const { code, report, stderr } = await live();
      expect(code).toBe(1);
      expect(controlOf(report, 'gdpr 32').passed).toBe(false);
      expect(report.summary.live?.differs).toBe(1);
      expect(stderr).toMatch(/failed: .*Art\. 32 .*live stack: .* is DISABLED/);
    });

    it('says which permission is missing and carries on', async () => {
      liveStack({ auditPitr: 'ENABLED' });
      const { report } = await live('--profile', 'hipaa');
      const rotation = controlOf(report, 'hipaa 164.312(a)(2)(iv)').checks.find(
        (c) => c.name === 'keys-rotate-yearly',
      );
      expect(rotation?.evidence.map((e) => e.live)).toEqual(
        Array(3).fill({
          state: 'not-checked',
          reason: 'permission missing: kms:GetKeyRotationStatus (AccessDeniedException)',
          readAt: expect.any(String),
        }),
      );
      expect(report.notices).toEqual([
        'The stack says it was deployed for gdpr, ccpa; this report checks it against hipaa.',
      ]);
    });

    it('reads every resource class the controls cite and states a control in place, with the times', async () => {
      liveStack({ auditPitr: 'ENABLED' });
      resourcesInPlace();
      const { report } = await live();
      const evidence = report.controls.flatMap((c) => c.checks.flatMap((check) => check.evidence));
      const logGroup = evidence.find((e) => e.type === 'AWS::Logs::LogGroup');
      expect(logGroup?.live).toEqual({
        state: 'agrees',
        value: expect.any(String),
        readAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      // Every row of these controls names a deployed setting that was read, and agrees.
      for (const id of ['gdpr 5(1)(e)', 'gdpr 25', 'ccpa 7101']) {
        expect([id, controlOf(report, id).evidence]).toEqual([
          id,
          expect.objectContaining({
            level: 'in place',
            inPlace: expect.objectContaining({
              status: 'read',
              differs: 0,
              notRead: [],
              readBetween: { first: expect.any(String), last: expect.any(String) },
            }),
          }),
        ]);
      }
      // Key and IAM policies are read too now: no row is left unread, none differs, and
      // every control is in place.
      expect(evidence.filter((e) => e.live?.state === 'differs')).toEqual([]);
      expect(controlOf(report, 'gdpr 32').evidence.inPlace).toMatchObject({
        status: 'read',
        differs: 0,
        notRead: [],
      });
      expect(report.summary.live).toMatchObject({ differs: 0, notChecked: 0 });
      expect(report.summary.evidence).toEqual({
        weakest: { level: 'in place', controls: 5 },
        levels: { fail: 0, configured: 0, 'in place': 5, operating: 0 },
      });
      expect(report.metadata).toMatchObject({
        deployment: { stack: 'webhooks-prod', region: 'eu-west-1', account: '123456789012' },
        caller: {
          status: 'read',
          arn: 'arn:aws:sts::123456789012:assumed-role/Auditor/alice',
          account: '123456789012',
        },
        liveReadings: { first: expect.any(String), last: expect.any(String) },
        command: `webhooks compliance report --template ${templatePath} --stack webhooks-prod --region eu-west-1 --json`,
      });
      const markdown = renderMarkdown(reportDocument(report));
      expect(markdown).toContain(
        '| Result | Weakest evidence: **in place** (read from the deployed stack) — 5 of 5 controls. No control fails; 0 operating, 5 in place, 0 configured. |',
      );
      expect(markdown).toMatch(/^#### Art\. 5\(1\)\(e\): .* — \*\*in place\*\*$/m);
      expect(markdown).toContain(
        '| Run by | `arn:aws:sts::123456789012:assumed-role/Auditor/alice` (STS GetCallerIdentity) |',
      );
      expect(markdown).toMatch(/\| ENABLED: agrees \(read \d{4}-/);
    });

    it('states a control operating when the latest scheduled self-audit run passed it, with its date', async () => {
      liveStack({ auditPitr: 'ENABLED' });
      resourcesInPlace();
      dynamodb.on(QueryCommand).resolves({
        Items: [
          runItem('2026-11-03T05:00:00.000Z', 'schedule'),
          runItem('2026-11-02T05:00:00.000Z', 'schedule', { 'template-controls': 'failed' }),
        ],
      });
      const { report } = await live();
      const control = controlOf(report, 'gdpr 5(1)(e)');
      expect(control.evidence.level).toBe('operating');
      expect(control.evidence.selfAudit).toEqual({
        status: 'ran',
        check: 'template-controls',
        startedAt: '2026-11-03T05:00:00.000Z',
        result: 'passed',
      });
      expect(renderMarkdown(reportDocument(report))).toContain(
        'Operating (self-audit): the latest scheduled run, 2026-11-03T05:00:00.000Z, passed its template-controls check.',
      );
    });

    it('states a control operating when it is in place and every test that proves it passed', async () => {
      liveStack({ auditPitr: 'ENABLED' });
      resourcesInPlace();
      const control = controlsFor(['gdpr']).find((c) => c.id === 'gdpr 5(1)(e)');
      const { folder = '' } = tempFiles({});
      const resultsPath = join(folder, 'results.json');
      const runner = (file: string) =>
        file.endsWith('.test.ts') ? file : join(dirname(file), 'runs-it.test.ts');
      writeFileSync(
        resultsPath,
        JSON.stringify({
          startTime: Date.parse('2026-12-01T09:00:00.000Z'),
          testResults: (control?.tests ?? []).map((test) => ({
            name: join(process.cwd(), runner(test.file)),
            assertionResults: [{ title: test.name.replaceAll('…', '400'), status: 'passed' }],
          })),
        }),
      );
      const { report } = await live('--test-results', resultsPath);
      expect(controlOf(report, 'gdpr 5(1)(e)').evidence).toMatchObject({
        level: 'operating',
        // The audit table's stand-in answers nothing here: the runs were not read.
        selfAudit: { status: 'not-read' },
        tests: { status: 'ran', ranAt: '2026-12-01T09:00:00.000Z' },
      });
    });

    it('keeps a control in place, not operating, when the latest scheduled run failed it', async () => {
      liveStack({ auditPitr: 'ENABLED' });
      resourcesInPlace();
      dynamodb.on(QueryCommand).resolves({
        Items: [runItem('2026-11-03T05:00:00.000Z', 'schedule', { 'template-controls': 'failed' })],
      });
      const { report } = await live();
      expect(controlOf(report, 'gdpr 5(1)(e)').evidence).toMatchObject({
        level: 'in place',
        selfAudit: { status: 'ran', result: 'failed' },
      });
    });

    it('reports a resource that could not be read as not checked, and its control as configured', async () => {
      liveStack({ auditPitr: 'ENABLED' });
      resourcesInPlace();
      logs.on(DescribeLogGroupsCommand).rejects(
        Object.assign(new Error('not authorized to perform logs:DescribeLogGroups'), {
          name: 'AccessDeniedException',
        }),
      );
      const { report } = await live();
      const control = controlOf(report, 'gdpr 5(1)(e)');
      expect(control.passed).toBe(true);
      expect(control.evidence.level).toBe('configured');
      expect(control.evidence.inPlace).toMatchObject({
        status: 'read',
        notRead: expect.arrayContaining([
          expect.stringMatching(
            /RetentionInDays: permission missing: logs:DescribeLogGroups \(AccessDeniedException\)$/,
          ),
        ]),
      });
    });

    it('makes the report from the template and exits 2 when the stack cannot be described', async () => {
      cloudFormation.on(DescribeStacksCommand).rejects(
        Object.assign(new Error('Stack with id webhooks-prod does not exist'), {
          name: 'ValidationError',
        }),
      );
      const { code, report, stderr } = await live();
      expect(code).toBe(2);
      expect(stderr).toContain(
        "error: cannot describe stack 'webhooks-prod': cloudformation:DescribeStacks failed (ValidationError: Stack with id webhooks-prod does not exist)",
      );
      expect(report.stack).toMatchObject({ status: 'unreachable', name: 'webhooks-prod' });
      expect(report.controls.length).toBe(controlsFor(['gdpr', 'ccpa']).length);
    });
  });
});

describe('a report from a synthesized pci-dss + hipaa template against a live stack', () => {
  let templatePath: string;
  let template: TemplateJson;
  beforeAll(() => {
    const d = deployment({ profiles: 'pci-dss,hipaa' });
    templatePath = d.assembly.getStackByName(d.stack.stackName).templateFullPath;
    template = readJson<TemplateJson>(templatePath);
  }, synthesisBudgetMs);
  afterEach(() => {
    for (const mock of liveMocks) mock.reset();
  });

  const live = async () => {
    const run = await cli([
      ...['compliance', 'report', '--template', templatePath, '--json', '--offline'],
      ...['--stack', 'webhooks-prod', '--region', 'eu-west-1'],
    ]);
    return { ...run, report: JSON.parse(run.stdout) as ComplianceReport };
  };
  /** The stack as the template sets it, key rotation read too. */
  const inPlace = () => {
    liveStackOf(template, { auditPitr: 'ENABLED' });
    resourcesInPlaceOf(template);
  };
  const rowsOf = (report: ComplianceReport, id: string, check: string) =>
    controlOf(report, id).checks.find((c) => c.name === check)?.evidence ?? [];

  it('a live read of every class gives in place: every PCI DSS and HIPAA control', async () => {
    inPlace();
    const { code, report, stderr } = await live();
    const ids = controlsFor(['pci-dss', 'hipaa']).map((c) => c.id);
    expect(report.controls.map((c) => c.id)).toEqual(ids);
    const rows = report.controls.flatMap((c) => c.checks.flatMap((check) => check.evidence));
    expect(rows.filter((e) => e.live?.state === 'differs')).toEqual([]);
    const notInPlace = report.controls
      .filter((c) => c.evidence.level !== 'in place')
      .map((c) => [c.id, c.evidence.level, c.evidence.inPlace]);
    expect(notInPlace).toEqual([]);
    expect([code, stderr]).toEqual([0, expect.not.stringContaining('failed')]);
    // Key policies, IAM policies, the trail, the network, the web ACL and the backups among them.
    const read = report.controls.flatMap((c) => c.checks.flatMap((check) => check.evidence));
    for (const type of [
      'AWS::KMS::Key',
      'AWS::IAM::ManagedPolicy',
      'AWS::CloudTrail::Trail',
      'AWS::EC2::SecurityGroupEgress',
      'AWS::EC2::FlowLog',
      'AWS::WAFv2::WebACL',
      'AWS::Backup::BackupVault',
      'AWS::Backup::BackupPlan',
      'AWS::Backup::BackupSelection',
      'AWS::ApiGateway::RestApi',
    ]) {
      expect([type, read.filter((e) => e.type === type).map((e) => e.live?.state)]).toEqual([
        type,
        expect.arrayContaining(['agrees']),
      ]);
    }
    expect(report.summary.live).toMatchObject({ differs: 0, notChecked: 0 });
  });

  it('fails the key controls when a key policy lacks a statement the template grants', async () => {
    inPlace();
    const secretsKey = Object.entries(template.Resources).find(
      ([id, r]) => r.Type === 'AWS::KMS::Key' && id.includes('SecretsKey'),
    );
    const policy = secretsKey?.[1].Properties?.KeyPolicy as { Statement: unknown[] };
    // The key as deployed: the template's policy without its data-use grants.
    kms
      .on(GetKeyPolicyCommand, { KeyId: physicalId(secretsKey?.[0] ?? '', 'AWS::KMS::Key') })
      .resolves({
        Policy: JSON.stringify({
          Statement: policy.Statement.filter(
            (s) =>
              (s as { Effect?: string }).Effect !== 'Allow' ||
              ![s as { Action?: unknown }]
                .flatMap(({ Action }) => Action ?? [])
                .flat()
                .some((action) => (keyDataActions as readonly unknown[]).includes(action)),
          ),
        }),
      });
    const { code, report } = await live();
    expect(code).toBe(1);
    const control = controlOf(report, 'pci-dss 3.6.1');
    expect(control.passed).toBe(false);
    expect(control.evidence.level).toBe('fail');
    expect(
      rowsOf(report, 'pci-dss 3.6.1', 'key-use-bound-without-wildcards').find((e) =>
        e.resource.startsWith(secretsKey?.[0] ?? '?'),
      )?.live,
    ).toMatchObject({ state: 'differs', value: expect.stringMatching(/^0 data-use grants/) });
  });

  it("fails the access-trail controls when the trail's log file validation is off", async () => {
    inPlace();
    cloudTrail.on(GetTrailCommand).resolves({ Trail: { LogFileValidationEnabled: false } });
    const { code, report, stderr } = await live();
    expect(code).toBe(1);
    for (const id of ['pci-dss 10.2.1', 'hipaa 164.312(b)']) {
      expect([id, controlOf(report, id).evidence.level]).toEqual([id, 'fail']);
    }
    expect(
      rowsOf(report, 'pci-dss 10.2.1', 'access-trail-logs-data-access').find(
        (e) => e.property === 'EnableLogFileValidation',
      )?.live,
    ).toEqual({ state: 'differs', value: 'false', readAt: expect.any(String) });
    expect(stderr).toMatch(/failed: .*10\.2\.1/);
  });

  it('keeps a control configured, naming the permission, when the web ACL cannot be read', async () => {
    inPlace();
    wafv2.on(GetWebACLCommand).rejects(
      Object.assign(new Error('not authorized to perform wafv2:GetWebACL'), {
        name: 'WAFAccessDeniedException',
      }),
    );
    const { report } = await live();
    const control = controlOf(report, 'pci-dss 6.4.2');
    expect(control.passed).toBe(true);
    expect(control.evidence.level).toBe('configured');
    expect(control.evidence.inPlace).toMatchObject({
      notRead: [
        expect.stringMatching(
          /Rules: permission missing: wafv2:GetWebACL \(WAFAccessDeniedException\)$/,
        ),
      ],
    });
  });
});

describe('profiles', () => {
  it('cover every regulated profile in the catalogue', () => {
    expect(Object.keys(regulations).sort()).toEqual(
      complianceProfileNames.filter((name) => name !== 'baseline').sort(),
    );
  });
});

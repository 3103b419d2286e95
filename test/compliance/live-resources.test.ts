/**
 * The compliance report's reader of the other resource classes (compliance/report/live-resources.ts)
 * against fauxqs's SNS and S3, the stand-ins that cover them. CloudFormation's resource list, which
 * no stand-in produces, is a mock; so are CloudWatch Logs, Lambda and API Gateway, which this
 * template does not hold and the reader must not call. Key and IAM policies, CloudTrail, EC2,
 * WAF, AWS Backup and EventBridge have no local stand-in: their readers are shown against
 * aws-sdk-client-mock, never AWS.
 */
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import {
  BackupClient,
  DescribeBackupVaultCommand,
  GetBackupPlanCommand,
  GetBackupSelectionCommand,
} from '@aws-sdk/client-backup';
import {
  CloudFormationClient,
  GetTemplateCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import {
  CloudTrailClient,
  GetEventSelectorsCommand,
  GetTrailCommand,
  GetTrailStatusCommand,
} from '@aws-sdk/client-cloudtrail';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
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
  IAMClient,
} from '@aws-sdk/client-iam';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetWebACLCommand, WAFV2Client } from '@aws-sdk/client-wafv2';
import { mockClient } from 'aws-sdk-client-mock';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type LiveResourceClients,
  readLiveResources,
} from '../../compliance/report/live-resources.ts';
import type { Template } from '../../compliance/report/template.ts';
import { probeClientConfig } from '../../local/ports.ts';
import { startSqsLocal } from '../../local/sqs.ts';

const tlsOnly = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Deny',
      Principal: '*',
      Action: 'sns:Publish',
      Resource: '*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  ],
});

const template: Template = {
  Resources: {
    AlarmTopic: { Type: 'AWS::SNS::Topic' },
    DigestBucket: { Type: 'AWS::S3::Bucket' },
  },
};

// CloudFormation's class is mocked once for the file: mocking it again would undo this.
const cloudFormation = mockClient(CloudFormationClient);

describe('reading the live resources the controls cite', () => {
  let fauxqs: Awaited<ReturnType<typeof startSqsLocal>>;
  let sns: SNSClient;
  let s3: S3Client;
  const unused = {
    logs: new CloudWatchLogsClient(probeClientConfig),
    lambda: new LambdaClient(probeClientConfig),
    apiGateway: new APIGatewayClient(probeClientConfig),
    apiGatewayV2: new ApiGatewayV2Client(probeClientConfig),
    kms: new KMSClient(probeClientConfig),
    iam: new IAMClient(probeClientConfig),
    cloudTrail: new CloudTrailClient(probeClientConfig),
    ec2: new EC2Client(probeClientConfig),
    wafv2: new WAFV2Client(probeClientConfig),
    backup: new BackupClient(probeClientConfig),
    events: new EventBridgeClient(probeClientConfig),
  };
  const unusedMocks = [
    ...[mockClient(unused.logs), mockClient(unused.lambda), mockClient(unused.apiGateway)],
    ...[mockClient(unused.apiGatewayV2), mockClient(unused.kms), mockClient(unused.iam)],
    ...[mockClient(unused.cloudTrail), mockClient(unused.ec2), mockClient(unused.wafv2)],
    ...[mockClient(unused.backup), mockClient(unused.events)],
  ];

  beforeAll(async () => {
    fauxqs = await startSqsLocal();
    sns = new SNSClient({ ...probeClientConfig, endpoint: fauxqs.endpoint });
    s3 = new S3Client({ ...probeClientConfig, endpoint: fauxqs.endpoint, forcePathStyle: true });
  });
  afterAll(async () => {
    sns.destroy();
    s3.destroy();
    await fauxqs.stop();
  });

  it("reads a topic's policy and names a bucket setting the stand-in cannot give as unavailable", async () => {
    const { TopicArn } = await sns.send(
      new CreateTopicCommand({ Name: 'alarms', Attributes: { Policy: tlsOnly } }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: 'digests' }));
    cloudFormation.on(ListStackResourcesCommand).resolves({
      StackResourceSummaries: [
        {
          LogicalResourceId: 'AlarmTopic',
          PhysicalResourceId: TopicArn,
          ResourceType: 'AWS::SNS::Topic',
          LastUpdatedTimestamp: new Date(),
          ResourceStatus: 'CREATE_COMPLETE',
        },
        {
          LogicalResourceId: 'DigestBucket',
          PhysicalResourceId: 'digests',
          ResourceType: 'AWS::S3::Bucket',
          LastUpdatedTimestamp: new Date(),
          ResourceStatus: 'CREATE_COMPLETE',
        },
      ],
    });
    const resources = await readLiveResources(template, 'webhooks-prod', {
      cloudFormation: new CloudFormationClient(probeClientConfig),
      sns,
      s3,
      ...unused,
    });
    expect(resources.unlisted).toBeUndefined();
    const topic = resources.topics.get('AlarmTopic');
    expect(topic).toMatchObject({ readAt: expect.stringMatching(/^\d{4}-/) });
    expect(topic && 'value' in topic ? JSON.parse(topic.value.policy ?? '{}') : undefined).toEqual(
      JSON.parse(tlsOnly),
    );
    const bucket = resources.buckets.get('DigestBucket');
    expect(bucket).toBeDefined();
    // Whatever the stand-in answers, each reading is a value or a named failure with its time;
    // a bucket with no policy reads as none.
    for (const [name, reading] of Object.entries(bucket ?? {})) {
      expect(reading).toEqual(
        'value' in reading
          ? {
              value:
                name === 'policy' && reading.value === undefined ? undefined : expect.anything(),
              readAt: expect.any(String),
            }
          : {
              unavailable: expect.stringMatching(/^(permission missing: )?s3:/),
              readAt: expect.any(String),
            },
      );
    }
    for (const mock of unusedMocks) expect(mock.calls()).toEqual([]);
  });

  it('reads nothing, and says why, when the stack resources cannot be listed', async () => {
    cloudFormation.on(ListStackResourcesCommand).rejects(
      Object.assign(new Error('not authorized to perform cloudformation:ListStackResources'), {
        name: 'AccessDeniedException',
      }),
    );
    const resources = await readLiveResources(template, 'webhooks-prod', {
      cloudFormation: new CloudFormationClient(probeClientConfig),
      sns,
      s3,
      ...unused,
    });
    expect(resources.unlisted).toBe(
      'permission missing: cloudformation:ListStackResources (AccessDeniedException)',
    );
    expect(resources.topics.size + resources.buckets.size).toBe(0);
  });
});

/** A stack of one resource of each class that has no local stand-in. */
const stackOfEveryClass: Template = {
  Resources: {
    DataKey: { Type: 'AWS::KMS::Key' },
    IngestPolicy: { Type: 'AWS::IAM::ManagedPolicy' },
    IngestRole: { Type: 'AWS::IAM::Role' },
    AccessTrail: { Type: 'AWS::CloudTrail::Trail' },
    FunctionGroup: { Type: 'AWS::EC2::SecurityGroup' },
    SqsEndpoint: { Type: 'AWS::EC2::VPCEndpoint' },
    FlowLog: { Type: 'AWS::EC2::FlowLog' },
    WebAcl: { Type: 'AWS::WAFv2::WebACL' },
    Vault: { Type: 'AWS::Backup::BackupVault' },
    Plan: { Type: 'AWS::Backup::BackupPlan' },
    Selection: {
      Type: 'AWS::Backup::BackupSelection',
      Properties: { BackupPlanId: { 'Fn::GetAtt': ['Plan', 'BackupPlanId'] } },
    },
    DigestSchedule: { Type: 'AWS::Events::Rule' },
  },
};

const physicalIds: Readonly<Record<string, string>> = {
  DataKey: '1234abcd-key',
  IngestPolicy: 'arn:aws:iam::123456789012:policy/ingest-data',
  IngestRole: 'ingest-role',
  AccessTrail: 'webhooks-access',
  FunctionGroup: 'sg-0123',
  SqsEndpoint: 'vpce-0123',
  FlowLog: 'fl-0123',
  WebAcl: 'webhooks-acl|a1b2c3|REGIONAL',
  Vault: 'webhooks-vault',
  Plan: 'plan-0123',
  Selection: 'selection-0123',
  DigestSchedule: 'webhooks-digests',
};

describe('reading the classes no local stand-in covers, through their SDK clients', () => {
  const instances = {
    cloudFormation: new CloudFormationClient(probeClientConfig),
    kms: new KMSClient(probeClientConfig),
    iam: new IAMClient(probeClientConfig),
    cloudTrail: new CloudTrailClient(probeClientConfig),
    ec2: new EC2Client(probeClientConfig),
    wafv2: new WAFV2Client(probeClientConfig),
    backup: new BackupClient(probeClientConfig),
    events: new EventBridgeClient(probeClientConfig),
  };
  const mocks = {
    cloudFormation,
    kms: mockClient(instances.kms),
    iam: mockClient(instances.iam),
    cloudTrail: mockClient(instances.cloudTrail),
    ec2: mockClient(instances.ec2),
    wafv2: mockClient(instances.wafv2),
    backup: mockClient(instances.backup),
    events: mockClient(instances.events),
  };
  afterEach(() => {
    for (const mock of Object.values(mocks)) mock.reset();
  });
  const clients = (): LiveResourceClients => ({
    ...instances,
    logs: new CloudWatchLogsClient(probeClientConfig),
    lambda: new LambdaClient(probeClientConfig),
    apiGateway: new APIGatewayClient(probeClientConfig),
    apiGatewayV2: new ApiGatewayV2Client(probeClientConfig),
    sns: new SNSClient(probeClientConfig),
    s3: new S3Client(probeClientConfig),
  });
  const statement = { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: 'arn:table/audit' };

  function stack() {
    mocks.cloudFormation.on(ListStackResourcesCommand).resolves({
      StackResourceSummaries: Object.entries(physicalIds).map(([id, physical]) => ({
        LogicalResourceId: id,
        PhysicalResourceId: physical,
        ResourceType: stackOfEveryClass.Resources[id]?.Type,
        LastUpdatedTimestamp: new Date(),
        ResourceStatus: 'CREATE_COMPLETE',
      })),
    });
    mocks.cloudFormation.on(GetTemplateCommand).resolves({
      TemplateBody: JSON.stringify({
        Resources: { DataKey: { Type: 'AWS::KMS::Key', DeletionPolicy: 'Retain' } },
      }),
    });
    mocks.kms
      .on(GetKeyPolicyCommand, { KeyId: '1234abcd-key', PolicyName: 'default' })
      .resolves({ Policy: JSON.stringify({ Statement: [statement] }) });
    mocks.kms.on(DescribeKeyCommand).resolves({
      KeyMetadata: {
        KeyId: '1234abcd-key',
        KeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
        Enabled: true,
      },
    });
    mocks.iam
      .on(GetPolicyCommand, { PolicyArn: physicalIds.IngestPolicy })
      .resolves({ Policy: { DefaultVersionId: 'v3' } });
    // IAM returns documents URL-encoded.
    mocks.iam
      .on(GetPolicyVersionCommand, { PolicyArn: physicalIds.IngestPolicy, VersionId: 'v3' })
      .resolves({
        PolicyVersion: { Document: encodeURIComponent(JSON.stringify({ Statement: statement })) },
      });
    mocks.iam.on(GetRoleCommand, { RoleName: 'ingest-role' }).resolves({
      Role: {
        RoleName: 'ingest-role',
        Path: '/',
        RoleId: 'AROA',
        Arn: 'arn:aws:iam::123456789012:role/ingest-role',
        CreateDate: new Date(),
        AssumeRolePolicyDocument: encodeURIComponent(
          JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] }),
        ),
      },
    });
    mocks.cloudTrail.on(GetTrailCommand, { Name: 'webhooks-access' }).resolves({
      Trail: { LogFileValidationEnabled: true, KmsKeyId: 'arn:aws:kms:eu-west-1:1:key/k' },
    });
    mocks.cloudTrail.on(GetTrailStatusCommand).resolves({ IsLogging: true });
    mocks.cloudTrail.on(GetEventSelectorsCommand).resolves({
      AdvancedEventSelectors: [
        { FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
      ],
    });
    mocks.ec2.on(DescribeSecurityGroupRulesCommand).resolves({
      SecurityGroupRules: [
        { IsEgress: false, IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIpv4: '10.0.0.0/16' },
        { IsEgress: true, IpProtocol: 'tcp', FromPort: 443, ToPort: 443, PrefixListId: 'pl-1' },
      ],
    });
    mocks.ec2.on(DescribeVpcEndpointsCommand, { VpcEndpointIds: ['vpce-0123'] }).resolves({
      VpcEndpoints: [{ ServiceName: 'com.amazonaws.eu-west-1.sqs', State: 'Available' }],
    });
    mocks.ec2.on(DescribeFlowLogsCommand).resolves({
      FlowLogs: [{ TrafficType: 'ALL', FlowLogStatus: 'ACTIVE' }],
    });
    mocks.wafv2
      .on(GetWebACLCommand, { Name: 'webhooks-acl', Id: 'a1b2c3', Scope: 'REGIONAL' })
      .resolves({
        WebACL: {
          Name: 'webhooks-acl',
          Id: 'a1b2c3',
          ARN: 'arn:aws:wafv2:eu-west-1:1:regional/webacl/webhooks-acl/a1b2c3',
          DefaultAction: { Allow: {} },
          VisibilityConfig: undefined,
          Rules: [
            {
              Name: 'RateLimit',
              Priority: 0,
              Statement: { RateBasedStatement: { Limit: 100, AggregateKeyType: 'IP' } },
              VisibilityConfig: undefined,
            },
          ],
        },
      });
    mocks.backup
      .on(DescribeBackupVaultCommand)
      .resolves({ BackupVaultName: 'webhooks-vault', Locked: true, MinRetentionDays: 400 });
    mocks.backup.on(GetBackupPlanCommand, { BackupPlanId: 'plan-0123' }).resolves({
      BackupPlan: {
        BackupPlanName: 'Plan',
        Rules: [
          {
            RuleName: 'Daily',
            TargetBackupVaultName: 'webhooks-vault',
            Lifecycle: { DeleteAfterDays: 400 },
          },
        ],
      },
    });
    mocks.backup
      .on(GetBackupSelectionCommand, { BackupPlanId: 'plan-0123', SelectionId: 'selection-0123' })
      .resolves({
        BackupSelection: {
          SelectionName: 'Tables',
          IamRoleArn: 'arn:aws:iam::1:role/backup',
          Resources: ['arn:aws:dynamodb:eu-west-1:1:table/audit'],
        },
      });
    mocks.events
      .on(DescribeRuleCommand, { Name: 'webhooks-digests' })
      .resolves({ ScheduleExpression: 'rate(15 minutes)', State: 'ENABLED' });
  }

  it('reads each class by its physical id, each value with the time it was read', async () => {
    stack();
    const resources = await readLiveResources(stackOfEveryClass, 'webhooks-prod', clients());
    const read = <T>(reading: { value: T } | { unavailable: string } | undefined) => {
      expect(reading).toMatchObject({ readAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
      return reading !== undefined && 'value' in reading ? reading.value : reading;
    };
    expect(read(resources.keyPolicies.get('DataKey'))).toEqual({ statements: [statement] });
    expect(read(resources.keyDescriptions.get('DataKey'))).toEqual({
      keySpec: 'ECC_NIST_P256',
      keyUsage: 'SIGN_VERIFY',
      enabled: true,
    });
    expect(read(resources.policies.get('IngestPolicy'))).toEqual({ statements: [statement] });
    expect(read(resources.policies.get('IngestRole'))).toEqual({
      statements: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }],
    });
    expect(read(resources.trails.get('AccessTrail'))).toEqual({
      isLogging: true,
      logFileValidation: true,
      kmsKeyId: 'arn:aws:kms:eu-west-1:1:key/k',
      selectors: [[{ field: 'eventCategory', equals: ['Management'], startsWith: [] }]],
    });
    // Egress rules only: an ingress rule is no way out.
    expect(read(resources.securityGroups.get('FunctionGroup'))).toEqual({
      egress: [
        {
          ipProtocol: 'tcp',
          fromPort: 443,
          toPort: 443,
          cidrIpv4: undefined,
          cidrIpv6: undefined,
          prefixListId: 'pl-1',
          groupId: undefined,
        },
      ],
    });
    expect(mocks.ec2.commandCalls(DescribeSecurityGroupRulesCommand)[0]?.args[0].input).toEqual({
      Filters: [{ Name: 'group-id', Values: ['sg-0123'] }],
    });
    expect(read(resources.vpcEndpoints.get('SqsEndpoint'))).toEqual({
      serviceName: 'com.amazonaws.eu-west-1.sqs',
      state: 'Available',
      policyDocument: undefined,
    });
    expect(read(resources.flowLogs.get('FlowLog'))).toEqual({
      trafficType: 'ALL',
      status: 'ACTIVE',
    });
    expect(read(resources.webAcls.get('WebAcl'))).toEqual({
      scope: 'REGIONAL',
      rules: [{ name: 'RateLimit', rateBased: true }],
    });
    expect(read(resources.backupVaults.get('Vault'))).toEqual({
      locked: true,
      minRetentionDays: 400,
    });
    expect(read(resources.backupPlans.get('Plan'))).toEqual({
      rules: [{ targetVault: 'webhooks-vault', deleteAfterDays: 400 }],
    });
    expect(read(resources.backupSelections.get('Selection'))).toEqual({
      resources: ['arn:aws:dynamodb:eu-west-1:1:table/audit'],
    });
    expect(read(resources.eventRules.get('DigestSchedule'))).toEqual({
      scheduleExpression: 'rate(15 minutes)',
      state: 'ENABLED',
    });
    expect(read(resources.deletionPolicies.get('DataKey'))).toEqual({ deletionPolicy: 'Retain' });
    expect(read(resources.deletionPolicies.get('FlowLog'))).toEqual({ deletionPolicy: undefined });
  });

  it('names the refused action of each class it could not read, and carries on', async () => {
    stack();
    const denied = (action: string) =>
      Object.assign(new Error(`not authorized to perform ${action}`), {
        name: 'AccessDeniedException',
      });
    mocks.kms.on(GetKeyPolicyCommand).rejects(denied('kms:GetKeyPolicy'));
    mocks.iam.on(GetPolicyVersionCommand).rejects(denied('iam:GetPolicyVersion'));
    mocks.cloudTrail.on(GetEventSelectorsCommand).rejects(denied('cloudtrail:GetEventSelectors'));
    mocks.backup.on(GetBackupPlanCommand).rejects(denied('backup:GetBackupPlan'));
    const resources = await readLiveResources(stackOfEveryClass, 'webhooks-prod', clients());
    const unavailable = {
      keyPolicy: resources.keyPolicies.get('DataKey'),
      policy: resources.policies.get('IngestPolicy'),
      trail: resources.trails.get('AccessTrail'),
      plan: resources.backupPlans.get('Plan'),
    };
    expect(unavailable).toEqual({
      keyPolicy: {
        unavailable: 'permission missing: kms:GetKeyPolicy (AccessDeniedException)',
        readAt: expect.any(String),
      },
      policy: {
        unavailable: 'permission missing: iam:GetPolicyVersion (AccessDeniedException)',
        readAt: expect.any(String),
      },
      trail: {
        unavailable: 'permission missing: cloudtrail:GetEventSelectors (AccessDeniedException)',
        readAt: expect.any(String),
      },
      plan: {
        unavailable: 'permission missing: backup:GetBackupPlan (AccessDeniedException)',
        readAt: expect.any(String),
      },
    });
    // The others were still read.
    expect(resources.webAcls.get('WebAcl')).toMatchObject({ value: { scope: 'REGIONAL' } });
    expect(resources.backupVaults.get('Vault')).toMatchObject({ value: { locked: true } });
  });
});

describe('the scheduled self-audit Lambda bundle', () => {
  it("holds none of the report's other clients: they are the CLI's alone", async () => {
    const { metafile } = await build({
      entryPoints: ['scheduled/self-audit/handler.ts'],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
    });
    const inputs = Object.keys(metafile.inputs);
    const reportOnly =
      /node_modules\/@aws-sdk\/client-(iam|ec2|wafv2|backup|cloudtrail|eventbridge|api-gateway|apigatewayv2|cloudwatch-logs|lambda|sns)\//;
    expect(inputs.filter((input) => reportOnly.test(input))).toEqual([]);
    expect(
      inputs.filter((input) => /compliance\/report\/live(-[a-z-]+)?\.ts$/.test(input)),
    ).toEqual(['compliance/report/live.ts']);
  }, 60_000);
});

/**
 * The compliance report's reader of the other resource classes (compliance/report/live-resources.ts)
 * against fauxqs's SNS and S3, the stand-ins that cover them. CloudFormation's resource list, which
 * no stand-in produces, is a mock; so are CloudWatch Logs, Lambda and API Gateway, which this
 * template does not hold and the reader must not call.
 */
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLiveResources } from '../../compliance/report/live-resources.ts';
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

describe('reading the live resources the controls cite', () => {
  let fauxqs: Awaited<ReturnType<typeof startSqsLocal>>;
  let sns: SNSClient;
  let s3: S3Client;
  const cloudFormation = mockClient(CloudFormationClient);
  const unused = {
    logs: new CloudWatchLogsClient(probeClientConfig),
    lambda: new LambdaClient(probeClientConfig),
    apiGateway: new APIGatewayClient(probeClientConfig),
    apiGatewayV2: new ApiGatewayV2Client(probeClientConfig),
  };
  const unusedMocks = [
    mockClient(unused.logs),
    mockClient(unused.lambda),
    mockClient(unused.apiGateway),
    mockClient(unused.apiGatewayV2),
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
    // Whatever the stand-in answers, each reading is a value or a named failure with its time.
    for (const reading of Object.values(bucket ?? {})) {
      expect(reading).toEqual(
        'value' in reading
          ? { value: expect.anything(), readAt: expect.any(String) }
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

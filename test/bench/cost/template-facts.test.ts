/**
 * What prices a request, read from small templates shaped as the CDK app synthesizes them: the
 * front, WAF and its log filter, tracing, the Lambda's settings, the queue and the endpoints.
 */
import { describe, expect, it } from 'vitest';
import {
  readTemplateFacts,
  type Template,
  TemplateFactsError,
} from '../../../bench/cost/template-facts.ts';
import { deliveryQueue } from '../../../functions/config/queues.ts';
import { auditTable } from '../../../functions/config/tables.ts';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

const ingestFunction = (properties: Record<string, unknown> = {}) => ({
  Type: 'AWS::Lambda::Function',
  Properties: {
    Architectures: ['arm64'],
    MemorySize: 512,
    Environment: {
      Variables: {
        [auditTable.nameVariable]: { Ref: 'AuditTable' },
        [deliveryQueue.urlVariable]: { Ref: 'Queue' },
        PAYLOAD_COPY_CEILING: 'minimal',
      },
    },
    LoggingConfig: {
      LogFormat: 'JSON',
      ApplicationLogLevel: 'INFO',
      SystemLogLevel: 'WARN',
      LogGroup: { Ref: 'FunctionLogs' },
    },
    TracingConfig: { Mode: 'Active' },
    ...properties,
  },
});

const base: Resources = {
  Function: ingestFunction(),
  FunctionLogs: { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } },
  Queue: { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: true } },
  HelperFunction: { Type: 'AWS::Lambda::Function', Properties: { MemorySize: 128 } },
};

const restFront: Resources = {
  Api: { Type: 'AWS::ApiGateway::RestApi' },
  Stage: {
    Type: 'AWS::ApiGateway::Stage',
    Properties: {
      TracingEnabled: true,
      AccessLogSetting: { Format: '{"requestId":"$context.requestId"}' },
      MethodSettings: [{ LoggingLevel: 'ERROR' }],
    },
  },
};

const facts = (resources: Resources) => readTemplateFacts({ Resources: resources } as Template);

describe('template facts', () => {
  it('reads a REST front with its access log format, stage tracing and execution log level', () => {
    const read = facts({ ...base, ...restFront });
    expect(read).toMatchObject({
      front: 'rest',
      stageTracing: true,
      accessLogFormat: '{"requestId":"$context.requestId"}',
      executionLogLevel: 'ERROR',
      waf: false,
      fifoQueue: true,
    });
  });

  it('reads the ingest function (the one with the audit table and queue variables), not the others', () => {
    const { lambda } = facts({ ...base, ...restFront });
    expect(lambda).toEqual({
      memoryMb: 512,
      architecture: 'arm64',
      logFormat: 'JSON',
      applicationLogLevel: 'INFO',
      systemLogLevel: 'WARN',
      activeTracing: true,
      inVpc: false,
      logRetentionDays: 30,
      environment: { PAYLOAD_COPY_CEILING: 'minimal' },
    });
  });

  it('reads an HTTP API front and its access log settings', () => {
    const read = facts({
      ...base,
      Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { ProtocolType: 'HTTP' } },
      Stage: {
        Type: 'AWS::ApiGatewayV2::Stage',
        Properties: { AccessLogSettings: { Format: '$context.requestId' } },
      },
    });
    expect(read.front).toBe('http');
    expect(read.accessLogFormat).toBe('$context.requestId');
    expect(read.stageTracing).toBe(false);
  });

  it('reads a function URL front, which has no access log', () => {
    const read = facts({ ...base, Url: { Type: 'AWS::Lambda::Url' } });
    expect(read.front).toBe('url');
    expect(read.accessLogFormat).toBeUndefined();
  });

  it('takes text logs, x86_64 and no tracing when the function sets none', () => {
    const { lambda } = facts({
      ...base,
      ...restFront,
      Function: ingestFunction({
        Architectures: undefined,
        LoggingConfig: undefined,
        TracingConfig: undefined,
      }),
    });
    expect(lambda).toMatchObject({
      architecture: 'x86_64',
      logFormat: 'Text',
      activeTracing: false,
    });
    expect(lambda.logRetentionDays).toBeUndefined();
  });

  it('knows a WAF logs allowed requests only when its filter keeps them', () => {
    const waf = (filter?: unknown): Resources => ({
      Association: { Type: 'AWS::WAFv2::WebACLAssociation' },
      Logging: {
        Type: 'AWS::WAFv2::LoggingConfiguration',
        Properties: filter === undefined ? {} : { LoggingFilter: filter },
      },
    });
    const blockAndCount = {
      DefaultBehavior: 'DROP',
      Filters: [
        {
          Behavior: 'KEEP',
          Conditions: [
            { ActionCondition: { Action: 'BLOCK' } },
            { ActionCondition: { Action: 'COUNT' } },
          ],
        },
      ],
    };
    expect(facts({ ...base, ...restFront, ...waf(blockAndCount) })).toMatchObject({
      waf: true,
      wafLogsAllowedRequests: false,
    });
    expect(facts({ ...base, ...restFront, ...waf() }).wafLogsAllowedRequests).toBe(true);
    expect(
      facts({
        ...base,
        ...restFront,
        ...waf({
          DefaultBehavior: 'DROP',
          Filters: [{ Behavior: 'KEEP', Conditions: [{ ActionCondition: { Action: 'ALLOW' } }] }],
        }),
      }).wafLogsAllowedRequests,
    ).toBe(true);
  });

  it('lists the services of interface endpoints, not gateway ones, and their subnets', () => {
    const endpoint = (service: string, type: string) => ({
      Type: 'AWS::EC2::VPCEndpoint',
      Properties: {
        VpcEndpointType: type,
        ServiceName: {
          'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, `.${service}`]],
        },
        SubnetIds: [{ Ref: 'A' }, { Ref: 'B' }],
      },
    });
    const read = facts({
      ...base,
      ...restFront,
      Function: ingestFunction({ VpcConfig: { SubnetIds: [] } }),
      Sqs: endpoint('sqs', 'Interface'),
      Kms: endpoint('kms', 'Interface'),
      Dynamo: endpoint('dynamodb', 'Gateway'),
    });
    expect(read.lambda.inVpc).toBe(true);
    expect(read.interfaceEndpoints).toEqual(['sqs', 'kms']);
    expect(read.interfaceEndpointSubnets).toBe(2);
  });

  it('refuses a template with no front, or with two', () => {
    expect(() => facts(base)).toThrow(TemplateFactsError);
    expect(() => facts({ ...base, ...restFront, Url: { Type: 'AWS::Lambda::Url' } })).toThrow(
      /expected one front, found rest, url/,
    );
  });
});

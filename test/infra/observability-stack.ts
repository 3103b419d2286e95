/**
 * A small stack of its own for the observability tests: a Function with inline code, a REST
 * API, the two queues, two tables, a topic and a key. It stands in for the main construct so
 * that these tests exercise IngestObservability alone.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  type FrontMetrics,
  IngestObservability,
  type IngestObservabilityProps,
} from '../../infra/observability/index.ts';

export const stackName = 'WebhookIngestionTest';

export interface ObservabilityFixture {
  readonly stack: Stack;
  readonly observability: IngestObservability;
  readonly template: Template;
}

/** The front whose metrics the stand-in reads, built on its function. */
export type FrontOf = (stack: Stack, ingestFunction: lambda.IFunction) => FrontMetrics;

/**
 * Synthesizes the stand-in stack with IngestObservability, `overrides` applied to its props;
 * `frontOf` replaces the REST API's metrics with another front's.
 */
export function synthObservability(
  overrides: Partial<IngestObservabilityProps> = {},
  frontOf?: FrontOf,
): ObservabilityFixture {
  const stack = new Stack(new App(), stackName, {
    env: { account: '123456789012', region: 'us-east-1' },
  });
  const ingestLogGroup = new logs.LogGroup(stack, 'IngestLogGroup');
  const ingestFunction = new lambda.Function(stack, 'IngestFunction', {
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 202 });'),
    logGroup: ingestLogGroup,
  });
  const api = new apigateway.RestApi(stack, 'Api');
  api.root
    .addResource('v1')
    .addResource('webhooks')
    .addResource('{providerId}')
    .addMethod('POST', new apigateway.LambdaIntegration(ingestFunction));
  const deadLetterQueue = new sqs.Queue(stack, 'DeadLetterQueue');
  const queue = new sqs.Queue(stack, 'Queue', {
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 },
  });
  const partitionKey = { name: 'pk', type: dynamodb.AttributeType.STRING };
  const tables = [
    new dynamodb.Table(stack, 'RegistryTable', { partitionKey }),
    new dynamodb.Table(stack, 'AuditTable', { partitionKey }),
  ];
  const observability = new IngestObservability(stack, 'Observability', {
    ingestFunction,
    ingestLogGroup,
    api: frontOf === undefined ? api : frontOf(stack, ingestFunction),
    queue,
    deadLetterQueue,
    tables,
    alarmTopic: new sns.Topic(stack, 'AlarmTopic'),
    logsKey: new kms.Key(stack, 'AuditKey', { enableKeyRotation: true }),
    ...overrides,
  });
  return { stack, observability, template: Template.fromStack(stack) };
}

/** A dashboard widget as CloudWatch reads it from the DashboardBody JSON. */
export interface DashboardWidget {
  readonly type: string;
  readonly width: number;
  readonly properties: {
    readonly title?: string;
    readonly view?: string;
    readonly metrics?: ReadonlyArray<ReadonlyArray<unknown>>;
    readonly query?: string;
    readonly alarms?: readonly string[];
  };
}

/**
 * The synthesized dashboard's widgets. DashboardBody is an `Fn::Join` of JSON text and
 * tokens; each token becomes `<Ref:Id>` or `<Id.Attribute>` inside the text it sits in.
 */
export function dashboardWidgets(template: Template): DashboardWidget[] {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  const join = dashboard?.Properties.DashboardBody['Fn::Join'] as [string, unknown[]];
  const text = join[1].map(stubToken).join(join[0]);
  return (JSON.parse(text) as { widgets: DashboardWidget[] }).widgets;
}

function stubToken(part: unknown): string {
  if (typeof part === 'string') return part;
  const token = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  if (token.Ref !== undefined) return `<Ref:${token.Ref}>`;
  if (token['Fn::GetAtt'] !== undefined) return `<${token['Fn::GetAtt'].join('.')}>`;
  throw new Error(`unexpected token in DashboardBody: ${JSON.stringify(part)}`);
}

/** The logical id of the one resource of `type` whose id starts with `prefix`. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} ${prefix}*, found ${ids.join(', ')}`);
  return ids[0] as string;
}

/**
 * The live settings of every other resource class the controls cite, beside the tables, keys
 * and queues live.ts reads: CloudWatch log groups (retention, KMS key), Lambda functions (VPC
 * placement, runtime, the retention settings), API Gateway REST and HTTP API stages (access log
 * destination and fields, data trace, WAF web ACL) and APIs (endpoint, protocol), SNS topics
 * (KMS key, policy) and S3 buckets (encryption, versioning, public access block, Object Lock).
 *
 * Resources are found by their logical ids through CloudFormation ListStackResources, so any
 * resource of the stack can be read, not only those an output names. A reading that fails is
 * kept with the IAM action and the error, and its evidence rows read "not checked", never as
 * passing. Only `webhooks compliance report` reads these: the scheduled self-audit's Lambda
 * bundles live.ts, and these clients stay out of it.
 */
import { APIGatewayClient, GetRestApiCommand, GetStageCommand } from '@aws-sdk/client-api-gateway';
import {
  ApiGatewayV2Client,
  GetApiCommand,
  GetStageCommand as GetHttpStageCommand,
} from '@aws-sdk/client-apigatewayv2';
import {
  type CloudFormationClient,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  GetBucketEncryptionCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  payloadCopyCeilingVariable,
  retentionFloorVariable,
} from '../../functions/config/retention.ts';
import { type Observed, observe } from './observed.ts';
import { property, referencedId, type Template } from './template.ts';

export interface LiveResourceClients {
  readonly cloudFormation: CloudFormationClient;
  readonly logs: CloudWatchLogsClient;
  readonly lambda: LambdaClient;
  readonly apiGateway: APIGatewayClient;
  readonly apiGatewayV2: ApiGatewayV2Client;
  readonly sns: SNSClient;
  readonly s3: S3Client;
}

export interface LiveLogGroup {
  readonly retentionInDays: number | undefined;
  readonly kmsKeyId: string | undefined;
}

export interface LiveFunction {
  readonly runtime: string | undefined;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  /** The variables of `readVariables` the function sets; no other value is kept. */
  readonly settings: Readonly<Record<string, string>>;
}

/**
 * The only environment variables the report keeps of a function: settings the controls cite,
 * never a value that might be secret.
 */
export const readVariables: readonly string[] = [
  retentionFloorVariable,
  payloadCopyCeilingVariable,
];

/** A REST (v1) or HTTP API (v2) stage. */
export interface LiveStage {
  readonly accessLogDestinationArn: string | undefined;
  /** The access log line's format, as the stage holds it. */
  readonly accessLogFormat: string | undefined;
  /** Whether any method logs full requests; undefined for an HTTP API, which has no such setting. */
  readonly dataTraceEnabled: boolean | undefined;
  readonly webAclArn: string | undefined;
}

/** A REST API's endpoint, or an HTTP API's protocol. */
export interface LiveApi {
  readonly endpointTypes: readonly string[] | undefined;
  readonly disableExecuteApiEndpoint: boolean | undefined;
  readonly protocolType: string | undefined;
}

export interface LiveTopic {
  readonly kmsMasterKeyId: string | undefined;
  /** The topic policy as JSON text. */
  readonly policy: string | undefined;
}

export interface LiveBucket {
  readonly encryption: Observed<{ readonly algorithm: string | undefined }>;
  readonly versioning: Observed<{ readonly status: string | undefined }>;
  readonly publicAccessBlocked: Observed<boolean>;
  readonly objectLock: Observed<{
    readonly enabled: boolean;
    readonly mode: string | undefined;
    readonly days: number | undefined;
  }>;
}

/** What the report read of each class, by logical id. */
export interface LiveResources {
  /**
   * Why no resource of these classes was read (ListStackResources failed); with it every map
   * is empty. @default - the stack's resources were listed
   */
  readonly unlisted?: string;
  /** Logical id → physical id (name, ARN or URL) of each resource of the stack. */
  readonly physicalIds: ReadonlyMap<string, string>;
  readonly logGroups: ReadonlyMap<string, Observed<LiveLogGroup>>;
  readonly functions: ReadonlyMap<string, Observed<LiveFunction>>;
  readonly stages: ReadonlyMap<string, Observed<LiveStage>>;
  readonly apis: ReadonlyMap<string, Observed<LiveApi>>;
  readonly topics: ReadonlyMap<string, Observed<LiveTopic>>;
  readonly buckets: ReadonlyMap<string, LiveBucket>;
}

/** The resource classes this file reads: what the report's reading guide names. */
export const liveResourceClasses = [
  'AWS::Logs::LogGroup',
  'AWS::Lambda::Function',
  'AWS::ApiGateway::Stage',
  'AWS::ApiGateway::RestApi',
  'AWS::ApiGatewayV2::Stage',
  'AWS::ApiGatewayV2::Api',
  'AWS::SNS::Topic',
  'AWS::S3::Bucket',
] as const;

/** Clients for `region` (default: the SDK's); `destroy` closes them. */
export function createResourceClients(
  region: string | undefined,
): Omit<LiveResourceClients, 'cloudFormation'> & { destroy(): void } {
  const options = region === undefined ? {} : { region };
  const clients = {
    logs: new CloudWatchLogsClient(options),
    lambda: new LambdaClient(options),
    apiGateway: new APIGatewayClient(options),
    apiGatewayV2: new ApiGatewayV2Client(options),
    sns: new SNSClient(options),
    s3: new S3Client(options),
  };
  return {
    ...clients,
    destroy() {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}

/** Reads every resource of `liveResourceClasses` the stack holds. */
export async function readLiveResources(
  template: Template,
  stackName: string,
  clients: LiveResourceClients,
): Promise<LiveResources> {
  const listed = await observe('cloudformation:ListStackResources', () =>
    listStackResources(clients.cloudFormation, stackName),
  );
  if (!('value' in listed)) {
    return { unlisted: listed.unavailable, ...empty() };
  }
  const physical = listed.value;
  const ofType = (type: string) =>
    [...physical].filter(([logicalId]) => template.Resources[logicalId]?.Type === type);
  const each = async <T>(
    type: string,
    read: (physicalId: string, logicalId: string) => Promise<T>,
  ) =>
    new Map(
      await Promise.all(
        ofType(type).map(
          async ([logicalId, id]) => [logicalId, await read(id, logicalId)] as const,
        ),
      ),
    );
  const apiOf = (stageId: string, name: string) => apiIdOf(template, stageId, name, physical);
  const [logGroups, functions, restStages, httpStages, restApis, httpApis, topics, buckets] =
    await Promise.all([
      each('AWS::Logs::LogGroup', (name) => readLogGroup(clients.logs, name)),
      each('AWS::Lambda::Function', (name) => readFunction(clients.lambda, name)),
      each('AWS::ApiGateway::Stage', (name, logicalId) =>
        readStage(clients.apiGateway, name, apiOf(logicalId, 'RestApiId')),
      ),
      each('AWS::ApiGatewayV2::Stage', (name, logicalId) =>
        readHttpStage(clients.apiGatewayV2, name, apiOf(logicalId, 'ApiId')),
      ),
      each('AWS::ApiGateway::RestApi', (id) => readRestApi(clients.apiGateway, id)),
      each('AWS::ApiGatewayV2::Api', (id) => readHttpApi(clients.apiGatewayV2, id)),
      each('AWS::SNS::Topic', (arn) => readTopic(clients.sns, arn)),
      each('AWS::S3::Bucket', (name) => readBucket(clients.s3, name)),
    ]);
  return {
    physicalIds: physical,
    logGroups,
    functions,
    stages: new Map([...restStages, ...httpStages]),
    apis: new Map([...restApis, ...httpApis]),
    topics,
    buckets,
  };
}

function empty() {
  return {
    physicalIds: new Map(),
    logGroups: new Map(),
    functions: new Map(),
    stages: new Map(),
    apis: new Map(),
    topics: new Map(),
    buckets: new Map(),
  };
}

/** Logical id → physical id of every resource of the stack, page by page. */
async function listStackResources(
  cloudFormation: CloudFormationClient,
  stackName: string,
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await cloudFormation.send(
      new ListStackResourcesCommand({ StackName: stackName, NextToken: token }),
    );
    for (const summary of (page?.StackResourceSummaries ?? []) as StackResourceSummary[]) {
      if (summary.LogicalResourceId && summary.PhysicalResourceId) {
        ids.set(summary.LogicalResourceId, summary.PhysicalResourceId);
      }
    }
    token = page?.NextToken;
  } while (token !== undefined);
  return ids;
}

/** The API id a stage belongs to: its `RestApiId` or `ApiId` reference, resolved through the stack. */
function apiIdOf(
  template: Template,
  stageId: string,
  name: string,
  physical: ReadonlyMap<string, string>,
): string | undefined {
  const stage = template.Resources[stageId];
  const apiId = stage === undefined ? undefined : referencedId(property(stage, name));
  return apiId === undefined ? undefined : physical.get(apiId);
}

async function readLogGroup(logs: CloudWatchLogsClient, name: string) {
  return observe('logs:DescribeLogGroups', async (): Promise<LiveLogGroup> => {
    const { logGroups } = await logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: name, limit: 50 }),
    );
    const group = logGroups?.find((g) => g.logGroupName === name);
    if (group === undefined) throw new NotFoundError(`no log group named ${name}`);
    return { retentionInDays: group.retentionInDays, kmsKeyId: group.kmsKeyId };
  });
}

async function readFunction(lambda: LambdaClient, name: string) {
  return observe('lambda:GetFunctionConfiguration', async (): Promise<LiveFunction> => {
    const configuration = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: name }),
    );
    // Only these fields are kept: the configuration also holds the environment's values.
    const variables = configuration?.Environment?.Variables ?? {};
    return {
      runtime: configuration?.Runtime,
      subnetIds: configuration?.VpcConfig?.SubnetIds ?? [],
      securityGroupIds: configuration?.VpcConfig?.SecurityGroupIds ?? [],
      settings: Object.fromEntries(
        readVariables.flatMap((name) => {
          const value = variables[name];
          return value === undefined ? [] : [[name, value]];
        }),
      ),
    };
  });
}

async function readStage(
  apiGateway: APIGatewayClient,
  name: string,
  restApiId: string | undefined,
) {
  return observe('apigateway:GET', async (): Promise<LiveStage> => {
    if (restApiId === undefined)
      throw new NotFoundError('the stage names no REST API of the stack');
    const stage = await apiGateway.send(new GetStageCommand({ restApiId, stageName: name }));
    return {
      accessLogDestinationArn: stage?.accessLogSettings?.destinationArn,
      accessLogFormat: stage?.accessLogSettings?.format,
      dataTraceEnabled: Object.values(stage?.methodSettings ?? {}).some(
        (setting) => setting.dataTraceEnabled === true,
      ),
      webAclArn: stage?.webAclArn,
    };
  });
}

async function readHttpStage(
  apiGatewayV2: ApiGatewayV2Client,
  name: string,
  apiId: string | undefined,
) {
  return observe('apigateway:GET', async (): Promise<LiveStage> => {
    if (apiId === undefined) throw new NotFoundError('the stage names no HTTP API of the stack');
    const stage = await apiGatewayV2.send(
      new GetHttpStageCommand({ ApiId: apiId, StageName: name }),
    );
    return {
      accessLogDestinationArn: stage?.AccessLogSettings?.DestinationArn,
      accessLogFormat: stage?.AccessLogSettings?.Format,
      dataTraceEnabled: undefined,
      webAclArn: undefined,
    };
  });
}

async function readRestApi(apiGateway: APIGatewayClient, restApiId: string) {
  return observe('apigateway:GET', async (): Promise<LiveApi> => {
    const api = await apiGateway.send(new GetRestApiCommand({ restApiId }));
    return {
      endpointTypes: api?.endpointConfiguration?.types,
      disableExecuteApiEndpoint: api?.disableExecuteApiEndpoint,
      protocolType: undefined,
    };
  });
}

async function readHttpApi(apiGatewayV2: ApiGatewayV2Client, apiId: string) {
  return observe('apigateway:GET', async (): Promise<LiveApi> => {
    const api = await apiGatewayV2.send(new GetApiCommand({ ApiId: apiId }));
    return {
      endpointTypes: undefined,
      disableExecuteApiEndpoint: api?.DisableExecuteApiEndpoint,
      protocolType: api?.ProtocolType,
    };
  });
}

async function readTopic(sns: SNSClient, arn: string) {
  return observe('sns:GetTopicAttributes', async (): Promise<LiveTopic> => {
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn: arn }));
    return { kmsMasterKeyId: Attributes?.KmsMasterKeyId, policy: Attributes?.Policy };
  });
}

async function readBucket(s3: S3Client, bucket: string): Promise<LiveBucket> {
  const [encryption, versioning, publicAccessBlocked, objectLock] = await Promise.all([
    observe('s3:GetEncryptionConfiguration', async () => {
      const { ServerSideEncryptionConfiguration: config } = await s3.send(
        new GetBucketEncryptionCommand({ Bucket: bucket }),
      );
      const rule = config?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
      return { algorithm: rule?.SSEAlgorithm };
    }),
    observe('s3:GetBucketVersioning', async () => {
      const { Status } = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
      return { status: Status };
    }),
    observe('s3:GetBucketPublicAccessBlock', async () => {
      const { PublicAccessBlockConfiguration: block } = await s3.send(
        new GetPublicAccessBlockCommand({ Bucket: bucket }),
      );
      return (
        block?.BlockPublicAcls === true &&
        block.BlockPublicPolicy === true &&
        block.IgnorePublicAcls === true &&
        block.RestrictPublicBuckets === true
      );
    }),
    observe('s3:GetBucketObjectLockConfiguration', async () => {
      try {
        const { ObjectLockConfiguration: lock } = await s3.send(
          new GetObjectLockConfigurationCommand({ Bucket: bucket }),
        );
        const retention = lock?.Rule?.DefaultRetention;
        return {
          enabled: lock?.ObjectLockEnabled === 'Enabled',
          mode: retention?.Mode,
          days:
            retention?.Days ?? (retention?.Years === undefined ? undefined : retention.Years * 365),
        };
      } catch (error) {
        // S3's answer for a bucket created without Object Lock: a fact, not a failed read.
        if (error instanceof Error && error.name === 'ObjectLockConfigurationNotFoundError') {
          return { enabled: false, mode: undefined, days: undefined };
        }
        throw error;
      }
    }),
  ]);
  return { encryption, versioning, publicAccessBlocked, objectLock };
}

/** A resource the stack lists but the service does not show. */
class NotFoundError extends Error {
  override readonly name = 'NotFound';
}

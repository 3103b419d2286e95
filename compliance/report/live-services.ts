/**
 * The readers of live-resources.ts, one AWS call (or a few) each, and what each gives back:
 * CloudWatch log groups, Lambda functions, API Gateway stages, APIs and custom domains, SNS
 * topics and S3 buckets. Every reading is an Observed value with the IAM action it needed, so a
 * refused call reads "not checked", never as passing.
 */
import {
  type APIGatewayClient,
  GetDomainNameCommand,
  GetRestApiCommand,
  GetStageCommand,
} from '@aws-sdk/client-api-gateway';
import {
  type ApiGatewayV2Client,
  GetApiCommand,
  GetDomainNameCommand as GetHttpDomainNameCommand,
  GetStageCommand as GetHttpStageCommand,
} from '@aws-sdk/client-apigatewayv2';
import {
  type CloudWatchLogsClient,
  DescribeLogGroupsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { GetTopicAttributesCommand, type SNSClient } from '@aws-sdk/client-sns';
import { auditDigests } from '../../functions/config/audit-digests.ts';
import {
  payloadCopyCeilingVariable,
  retentionFloorVariable,
} from '../../functions/config/retention.ts';
import { auditTable } from '../../functions/config/tables.ts';
import { type Observed, observe } from './observed.ts';
import { credentialPatterns } from './secret-patterns.ts';

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
  /** The names of every variable the function sets, sorted. */
  readonly variableNames: readonly string[];
  /** The names of the variables whose value is shaped like a credential (secret-patterns.ts). */
  readonly credentialLike: readonly string[];
}

/**
 * The only environment variables the report keeps of a function: settings the controls cite,
 * never a value that might be secret.
 */
export const readVariables: readonly string[] = [
  retentionFloorVariable,
  payloadCopyCeilingVariable,
  // A table's and a bucket's name: where the audit trail and its digests go.
  auditTable.nameVariable,
  auditDigests.bucketVariable,
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
  /** A REST API's TLS security policy; undefined for an HTTP API, or when none is given. */
  readonly securityPolicy: string | undefined;
  /** A REST API's binary media types; undefined for an HTTP API. */
  readonly binaryMediaTypes: readonly string[] | undefined;
}

/** A custom domain's TLS security policies: a REST domain's one, an HTTP domain's per endpoint. */
export interface LiveDomain {
  readonly securityPolicies: readonly string[];
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
  /** The bucket policy as JSON text; undefined when the bucket has none. */
  readonly policy: Observed<string | undefined>;
}

export async function readLogGroup(logs: CloudWatchLogsClient, name: string) {
  return observe('logs:DescribeLogGroups', async (): Promise<LiveLogGroup> => {
    const { logGroups } = await logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: name, limit: 50 }),
    );
    const group = logGroups?.find((g) => g.logGroupName === name);
    if (group === undefined) throw new NotFoundError(`no log group named ${name}`);
    return { retentionInDays: group.retentionInDays, kmsKeyId: group.kmsKeyId };
  });
}

export async function readFunction(lambda: LambdaClient, name: string) {
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
      variableNames: Object.keys(variables).sort(),
      credentialLike: Object.entries(variables)
        .filter(([, value]) => credentialPatterns.some(([pattern]) => pattern.test(value)))
        .map(([name]) => name)
        .sort(),
    };
  });
}

export async function readStage(
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

export async function readHttpStage(
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

export async function readRestApi(apiGateway: APIGatewayClient, restApiId: string) {
  return observe('apigateway:GET', async (): Promise<LiveApi> => {
    const api = await apiGateway.send(new GetRestApiCommand({ restApiId }));
    return {
      endpointTypes: api?.endpointConfiguration?.types,
      disableExecuteApiEndpoint: api?.disableExecuteApiEndpoint,
      protocolType: undefined,
      securityPolicy: api?.securityPolicy,
      binaryMediaTypes: api?.binaryMediaTypes ?? [],
    };
  });
}

export async function readHttpApi(apiGatewayV2: ApiGatewayV2Client, apiId: string) {
  return observe('apigateway:GET', async (): Promise<LiveApi> => {
    const api = await apiGatewayV2.send(new GetApiCommand({ ApiId: apiId }));
    return {
      endpointTypes: undefined,
      disableExecuteApiEndpoint: api?.DisableExecuteApiEndpoint,
      protocolType: api?.ProtocolType,
      securityPolicy: undefined,
      binaryMediaTypes: undefined,
    };
  });
}

export async function readDomain(apiGateway: APIGatewayClient, domainName: string) {
  return observe('apigateway:GET', async (): Promise<LiveDomain> => {
    const domain = await apiGateway.send(new GetDomainNameCommand({ domainName }));
    return {
      securityPolicies: domain?.securityPolicy === undefined ? [] : [domain.securityPolicy],
    };
  });
}

export async function readHttpDomain(apiGatewayV2: ApiGatewayV2Client, domainName: string) {
  return observe('apigateway:GET', async (): Promise<LiveDomain> => {
    const domain = await apiGatewayV2.send(
      new GetHttpDomainNameCommand({ DomainName: domainName }),
    );
    return {
      securityPolicies: (domain?.DomainNameConfigurations ?? []).flatMap(({ SecurityPolicy }) =>
        SecurityPolicy === undefined ? [] : [SecurityPolicy],
      ),
    };
  });
}

export async function readTopic(sns: SNSClient, arn: string) {
  return observe('sns:GetTopicAttributes', async (): Promise<LiveTopic> => {
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn: arn }));
    return { kmsMasterKeyId: Attributes?.KmsMasterKeyId, policy: Attributes?.Policy };
  });
}

export async function readBucket(s3: S3Client, bucket: string): Promise<LiveBucket> {
  const [encryption, versioning, publicAccessBlocked, objectLock, policy] = await Promise.all([
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
    observe('s3:GetBucketPolicy', async () => {
      try {
        const { Policy } = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
        return Policy;
      } catch (error) {
        // S3's answer for a bucket with no policy: a fact, not a failed read.
        if (error instanceof Error && error.name === 'NoSuchBucketPolicy') return undefined;
        throw error;
      }
    }),
  ]);
  return { encryption, versioning, publicAccessBlocked, objectLock, policy };
}

/** A resource the stack lists but the service does not show. */
class NotFoundError extends Error {
  override readonly name = 'NotFound';
}

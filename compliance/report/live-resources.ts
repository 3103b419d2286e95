/**
 * The live settings of every other resource class the controls cite, beside the tables, keys
 * and queues live.ts reads: CloudWatch log groups (retention, KMS key), Lambda functions (VPC
 * placement, runtime, the retention settings), API Gateway REST and HTTP API stages (access log
 * destination and fields, data trace, WAF web ACL) and APIs (endpoint, protocol), SNS topics
 * (KMS key, policy), S3 buckets (encryption, versioning, public access block, Object Lock), KMS
 * key policies and IAM policies (live-policies.ts), the CloudTrail trail (live-trail.ts),
 * security groups, VPC endpoints and flow logs (live-network.ts), WAF web ACLs (live-waf.ts)
 * and AWS Backup vaults, plans and selections (live-backup.ts).
 *
 * Resources are found by their logical ids through CloudFormation ListStackResources, so any
 * resource of the stack can be read, not only those an output names. A reading that fails is
 * kept with the IAM action and the error, and its evidence rows read "not checked", never as
 * passing. Only `webhooks compliance report` reads these: the scheduled self-audit's Lambda
 * bundles live.ts, and these clients stay out of it.
 */
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { BackupClient } from '@aws-sdk/client-backup';
import {
  type CloudFormationClient,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { WAFV2Client } from '@aws-sdk/client-wafv2';
import {
  type LiveBackupPlan,
  type LiveBackupSelection,
  type LiveBackupVault,
  readBackupPlan,
  readBackupSelection,
  readBackupVault,
} from './live-backup.ts';
import {
  type LiveDeletionPolicy,
  type LiveKeyDescription,
  type LiveKeyRotation,
  type LiveRule,
  readDeletionPolicies,
  readKeyDescription,
  readKeyRotation,
  readRule,
} from './live-deployed.ts';
import {
  type LiveIntegration,
  readHttpIntegration,
  readMethodIntegration,
} from './live-integrations.ts';
import {
  type LiveFlowLog,
  type LiveSecurityGroup,
  type LiveVpcEndpoint,
  readFlowLog,
  readSecurityGroup,
  readVpcEndpoint,
} from './live-network.ts';
import {
  type LivePolicy,
  readInlinePolicy,
  readKeyPolicy,
  readManagedPolicy,
  readTrustPolicy,
} from './live-policies.ts';
import {
  type LiveApi,
  type LiveBucket,
  type LiveDomain,
  type LiveFunction,
  type LiveLogGroup,
  type LiveStage,
  type LiveTopic,
  readBucket,
  readDomain,
  readFunction,
  readHttpApi,
  readHttpDomain,
  readHttpStage,
  readLogGroup,
  readRestApi,
  readStage,
  readTopic,
} from './live-services.ts';
import { type LiveTrail, readTrail } from './live-trail.ts';
import { type LiveWebAcl, readWebAcl } from './live-waf.ts';
import { type Observed, observe } from './observed.ts';
import { isRecord, property, referencedId, type Template } from './template.ts';

export type {
  LiveApi,
  LiveBucket,
  LiveDomain,
  LiveFunction,
  LiveLogGroup,
  LiveStage,
  LiveTopic,
} from './live-services.ts';
export { readVariables } from './live-services.ts';

export interface LiveResourceClients {
  readonly cloudFormation: CloudFormationClient;
  readonly logs: CloudWatchLogsClient;
  readonly lambda: LambdaClient;
  readonly apiGateway: APIGatewayClient;
  readonly apiGatewayV2: ApiGatewayV2Client;
  readonly sns: SNSClient;
  readonly s3: S3Client;
  readonly kms: KMSClient;
  readonly iam: IAMClient;
  readonly cloudTrail: CloudTrailClient;
  readonly ec2: EC2Client;
  readonly wafv2: WAFV2Client;
  readonly backup: BackupClient;
  readonly events: EventBridgeClient;
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
  readonly domains: ReadonlyMap<string, Observed<LiveDomain>>;
  readonly topics: ReadonlyMap<string, Observed<LiveTopic>>;
  readonly buckets: ReadonlyMap<string, LiveBucket>;
  readonly keyPolicies: ReadonlyMap<string, Observed<LivePolicy>>;
  /** Managed and inline IAM policies, and roles' trust policies, by the logical id that holds each. */
  readonly policies: ReadonlyMap<string, Observed<LivePolicy>>;
  readonly trails: ReadonlyMap<string, Observed<LiveTrail>>;
  readonly securityGroups: ReadonlyMap<string, Observed<LiveSecurityGroup>>;
  readonly vpcEndpoints: ReadonlyMap<string, Observed<LiveVpcEndpoint>>;
  readonly flowLogs: ReadonlyMap<string, Observed<LiveFlowLog>>;
  readonly webAcls: ReadonlyMap<string, Observed<LiveWebAcl>>;
  readonly backupVaults: ReadonlyMap<string, Observed<LiveBackupVault>>;
  readonly backupPlans: ReadonlyMap<string, Observed<LiveBackupPlan>>;
  readonly backupSelections: ReadonlyMap<string, Observed<LiveBackupSelection>>;
  /** REST methods' and HTTP APIs' integrations, by the method's or integration's logical id. */
  readonly integrations: ReadonlyMap<string, Observed<LiveIntegration>>;
  /** Every resource's DeletionPolicy in the deployed template. */
  readonly deletionPolicies: ReadonlyMap<string, Observed<LiveDeletionPolicy>>;
  readonly keyDescriptions: ReadonlyMap<string, Observed<LiveKeyDescription>>;
  /** The rotation of each key no stack output names (live.ts reads the others). */
  readonly keyRotations: ReadonlyMap<string, Observed<LiveKeyRotation>>;
  readonly eventRules: ReadonlyMap<string, Observed<LiveRule>>;
}

/** The resource classes this file reads: what the report's reading guide names. */
export const liveResourceClasses = [
  'AWS::Logs::LogGroup',
  'AWS::Lambda::Function',
  'AWS::ApiGateway::Stage',
  'AWS::ApiGateway::RestApi',
  'AWS::ApiGatewayV2::Stage',
  'AWS::ApiGatewayV2::Api',
  'AWS::ApiGateway::DomainName',
  'AWS::ApiGatewayV2::DomainName',
  'AWS::SNS::Topic',
  'AWS::S3::Bucket',
  'AWS::KMS::Key',
  'AWS::IAM::ManagedPolicy',
  'AWS::IAM::Policy',
  'AWS::IAM::Role',
  'AWS::CloudTrail::Trail',
  'AWS::EC2::SecurityGroup',
  'AWS::EC2::VPCEndpoint',
  'AWS::EC2::FlowLog',
  'AWS::WAFv2::WebACL',
  'AWS::Backup::BackupVault',
  'AWS::Backup::BackupPlan',
  'AWS::Backup::BackupSelection',
  'AWS::ApiGateway::Method',
  'AWS::ApiGatewayV2::Integration',
  'AWS::Events::Rule',
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
    kms: new KMSClient(options),
    iam: new IAMClient(options),
    cloudTrail: new CloudTrailClient(options),
    ec2: new EC2Client(options),
    wafv2: new WAFV2Client(options),
    backup: new BackupClient(options),
    events: new EventBridgeClient(options),
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
  const [
    [logGroups, functions, restStages, httpStages, restApis, httpApis, topics, buckets],
    others,
    deployed,
  ] = await Promise.all([
    Promise.all([
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
    ]),
    readPoliciesAndRest(template, physical, clients, each),
    readDeployed(template, stackName, physical, clients, each),
  ]);
  return {
    ...others,
    ...deployed,
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
    domains: new Map(),
    topics: new Map(),
    buckets: new Map(),
    keyPolicies: new Map(),
    policies: new Map(),
    trails: new Map(),
    securityGroups: new Map(),
    vpcEndpoints: new Map(),
    flowLogs: new Map(),
    webAcls: new Map(),
    backupVaults: new Map(),
    backupPlans: new Map(),
    backupSelections: new Map(),
    integrations: new Map(),
    deletionPolicies: new Map(),
    keyDescriptions: new Map(),
    keyRotations: new Map(),
    eventRules: new Map(),
  };
}

/**
 * The physical id of the API Gateway resource a method is on; undefined for the root resource,
 * which a method names `Fn::GetAtt [api, RootResourceId]` and the stack lists no id for.
 */
function resourceIdOf(
  template: Template,
  methodId: string,
  physical: ReadonlyMap<string, string>,
): string | undefined {
  const method = template.Resources[methodId];
  const id = method === undefined ? undefined : referencedId(property(method, 'ResourceId'));
  return id !== undefined && template.Resources[id]?.Type === 'AWS::ApiGateway::Resource'
    ? physical.get(id)
    : undefined;
}

/** Integrations, the deployed template's deletion policies, keys' specs and rules (live-deployed.ts). */
async function readDeployed(
  template: Template,
  stackName: string,
  physical: ReadonlyMap<string, string>,
  clients: LiveResourceClients,
  each: ReadEach,
) {
  const referenced = (logicalId: string, name: string) => {
    const resource = template.Resources[logicalId];
    const id = resource === undefined ? undefined : referencedId(property(resource, name));
    return id === undefined ? undefined : physical.get(id);
  };
  const [
    restIntegrations,
    httpIntegrations,
    deletionPolicies,
    keyDescriptions,
    keyRotations,
    eventRules,
  ] = await Promise.all([
    each('AWS::ApiGateway::Method', (_, logicalId) =>
      readMethodIntegration(clients.apiGateway, {
        restApiId: referenced(logicalId, 'RestApiId'),
        resourceId: resourceIdOf(template, logicalId, physical),
        httpMethod: String(template.Resources[logicalId]?.Properties?.HttpMethod),
      }),
    ),
    each('AWS::ApiGatewayV2::Integration', (id, logicalId) =>
      readHttpIntegration(clients.apiGatewayV2, referenced(logicalId, 'ApiId'), id),
    ),
    readDeletionPolicies(clients.cloudFormation, stackName, [...physical.keys()]),
    each('AWS::KMS::Key', (keyId) => readKeyDescription(clients.kms, keyId)),
    keyRotationsOf(template, physical, clients.kms),
    each('AWS::Events::Rule', (name) => readRule(clients.events, name)),
  ]);
  return {
    integrations: new Map([...restIntegrations, ...httpIntegrations]),
    deletionPolicies,
    keyDescriptions,
    keyRotations,
    eventRules,
  };
}

/** The rotation of each key of the stack whose rotation live.ts does not read (no output names it). */
async function keyRotationsOf(
  template: Template,
  physical: ReadonlyMap<string, string>,
  kms: KMSClient,
) {
  // live.ts reads the keys an output refers to (`Ref`).
  const outputKeyIds = new Set(
    Object.values(template.Outputs ?? {}).flatMap(({ Value }) => {
      const id = isRecord(Value) && typeof Value.Ref === 'string' ? Value.Ref : undefined;
      return id !== undefined && template.Resources[id]?.Type === 'AWS::KMS::Key' ? [id] : [];
    }),
  );
  const keys = [...physical].filter(
    ([id]) => template.Resources[id]?.Type === 'AWS::KMS::Key' && !outputKeyIds.has(id),
  );
  return new Map(
    await Promise.all(
      keys.map(async ([id, keyId]) => [id, await readKeyRotation(kms, keyId)] as const),
    ),
  );
}

type ReadEach = <T>(
  type: string,
  read: (physicalId: string, logicalId: string) => Promise<T>,
) => Promise<Map<string, T>>;

/** The classes of live-policies.ts, live-trail.ts, live-network.ts, live-waf.ts and live-backup.ts. */
async function readPoliciesAndRest(
  template: Template,
  physical: ReadonlyMap<string, string>,
  clients: LiveResourceClients,
  each: ReadEach,
) {
  const referenced = (logicalId: string, name: string) => {
    const resource = template.Resources[logicalId];
    const id = resource === undefined ? undefined : referencedId(property(resource, name));
    return id === undefined ? undefined : physical.get(id);
  };
  /** The first role an inline policy is put on: CloudFormation puts the same document on each. */
  const firstRole = (logicalId: string) => {
    const resource = template.Resources[logicalId];
    const roles = resource === undefined ? undefined : property(resource, 'Roles');
    const role = Array.isArray(roles) ? referencedId(roles[0]) : undefined;
    return role === undefined ? undefined : physical.get(role);
  };
  const [
    keyPolicies,
    managed,
    inline,
    trust,
    trails,
    securityGroups,
    vpcEndpoints,
    flowLogs,
    webAcls,
    backupVaults,
    backupPlans,
    backupSelections,
    restDomains,
    httpDomains,
  ] = await Promise.all([
    each('AWS::KMS::Key', (keyId) => readKeyPolicy(clients.kms, keyId)),
    each('AWS::IAM::ManagedPolicy', (arn) => readManagedPolicy(clients.iam, arn)),
    each('AWS::IAM::Policy', (name, logicalId) =>
      readInlinePolicy(clients.iam, firstRole(logicalId), name),
    ),
    each('AWS::IAM::Role', (name) => readTrustPolicy(clients.iam, name)),
    each('AWS::CloudTrail::Trail', (name) => readTrail(clients.cloudTrail, name)),
    each('AWS::EC2::SecurityGroup', (groupId) => readSecurityGroup(clients.ec2, groupId)),
    each('AWS::EC2::VPCEndpoint', (id) => readVpcEndpoint(clients.ec2, id)),
    each('AWS::EC2::FlowLog', (id) => readFlowLog(clients.ec2, id)),
    each('AWS::WAFv2::WebACL', (id) => readWebAcl(clients.wafv2, id)),
    each('AWS::Backup::BackupVault', (name) => readBackupVault(clients.backup, name)),
    each('AWS::Backup::BackupPlan', (id) => readBackupPlan(clients.backup, id)),
    each('AWS::Backup::BackupSelection', (id, logicalId) =>
      readBackupSelection(clients.backup, referenced(logicalId, 'BackupPlanId'), id),
    ),
    each('AWS::ApiGateway::DomainName', (name) => readDomain(clients.apiGateway, name)),
    each('AWS::ApiGatewayV2::DomainName', (name) => readHttpDomain(clients.apiGatewayV2, name)),
  ]);
  return {
    domains: new Map([...restDomains, ...httpDomains]),
    keyPolicies,
    policies: new Map([...managed, ...inline, ...trust]),
    trails,
    securityGroups,
    vpcEndpoints,
    flowLogs,
    webAcls,
    backupVaults,
    backupPlans,
    backupSelections,
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

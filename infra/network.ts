/**
 * The VPC the ingest Lambda runs in when a profile (or the operator) asks for it: isolated
 * subnets with no route out, so the function reaches only the VPC endpoints of what it calls
 * (DynamoDB, SQS, KMS, S3), each endpoint's policy limited to this deployment's resources, and
 * flow logs of all traffic to an encrypted log group. Its security group lets HTTPS out to those
 * endpoints alone: the interface endpoints' group, and the AWS-managed prefix lists of DynamoDB
 * and S3, whose gateway endpoints are reached at the services' public addresses; the lists' ids
 * differ per region, so a small custom resource looks them up at deploy time. The audit digest
 * function (infra/audit-digests.ts) runs here too, in the same group (it calls DynamoDB, S3 and
 * KMS), and adds what it calls with `allowThrough`.
 *
 * Or the operator's own VPC (`vpc`, `vpcSubnets`): the same security groups, endpoints and their
 * policies are created in it, and a flow log per selected subnet, since what an existing flow
 * log keeps, and under which key, cannot be seen from here (docs/construct.md).
 */
import {
  Aws,
  CfnResource,
  CustomResource,
  Duration,
  RemovalPolicy,
  Stack,
  Token,
} from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { controlsFor } from '../compliance/controls.ts';
import type { ComplianceProfileName } from '../compliance/profiles.ts';
import type { IngestNetworkPlacement } from './ingest-function.ts';
import { encryptedLogGroup, type LogGroupSettings } from './log-groups.ts';

export interface IngestNetworkProps {
  readonly logs: LogGroupSettings;
  readonly tables: readonly dynamodb.Table[];
  readonly queue: sqs.IQueue;
  /** The payload bucket, which the function writes large bodies to. */
  readonly payloadBucket: Pick<s3.IBucket, 'arnForObjects'>;
  readonly keys: readonly kms.IKey[];
  /**
   * The operator's VPC, in place of one of isolated subnets created here.
   * @default - a VPC of isolated subnets, no NAT, no internet gateway
   */
  readonly vpc?: ec2.IVpc;
  /**
   * The subnets of `vpc` the functions run in (checked by `userVpcProblems`).
   * @default - `defaultSubnets(vpc)`
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
}

const https = ec2.Port.tcp(443);

/** CDK's own egress rule for a group that lets nothing out: ICMP type 252, code 86, to one address. */
const noTrafficRule = {
  CidrIp: '255.255.255.255/32',
  Description: 'Disallow all traffic',
  FromPort: 252,
  IpProtocol: 'icmp',
  ToPort: 86,
};

/** The services whose endpoints another function of the deployment may widen. */
export type EndpointService = 'dynamodb' | 's3' | 'kms';

export class IngestNetwork extends Construct {
  readonly vpc: ec2.IVpc;
  readonly placement: IngestNetworkPlacement;
  readonly flowLogGroup: logs.LogGroup;
  readonly flowLogRole: iam.Role;
  /**
   * Where the default-group restriction's custom resource Lambda logs.
   * @default - undefined in the operator's VPC, whose default group is left as it is
   */
  readonly restrictedDefaultGroupLogGroup?: logs.LogGroup;
  /** The deploy-time lookup of DynamoDB's and S3's prefix lists, which the egress rules name. */
  readonly prefixLists: GatewayPrefixLists;
  readonly #endpoints: Readonly<
    Record<EndpointService, ec2.GatewayVpcEndpoint | ec2.InterfaceVpcEndpoint>
  >;

  constructor(scope: Construct, id: string, props: IngestNetworkProps) {
    super(scope, id);
    this.vpc = props.vpc ?? this.ownVpc();
    const subnets =
      props.vpc === undefined
        ? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }
        : (props.vpcSubnets ?? defaultSubnets(props.vpc));

    const functionGroup = new ec2.SecurityGroup(this, 'FunctionSecurityGroup', {
      vpc: this.vpc,
      description: 'The ingest Lambda: HTTPS out to the VPC endpoints only',
      allowAllOutbound: false,
    });
    const endpointGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'Interface endpoints: HTTPS in from the ingest Lambda only',
      allowAllOutbound: false,
    });
    endpointGroup.addIngressRule(functionGroup, https, 'HTTPS from the ingest Lambda');
    // Out to the endpoints only, never to any address: the interface endpoints (SQS, KMS) by
    // their group, the gateway endpoints (DynamoDB, S3) by the prefix lists of the public
    // addresses they are reached at. A NAT of the operator's subnets is then no way out either.
    this.prefixLists = new GatewayPrefixLists(this, 'PrefixLists', { logs: props.logs });
    functionGroup.addEgressRule(endpointGroup, https, 'HTTPS to the SQS and KMS endpoints');
    for (const service of gatewayServices) {
      functionGroup.addEgressRule(
        ec2.Peer.prefixList(this.prefixLists.ids[service]),
        https,
        `HTTPS to the ${service === 'dynamodb' ? 'DynamoDB' : 'S3'} gateway endpoint`,
      );
    }
    // Those three rules are resources of their own (CDK never inlines a group or prefix list
    // peer), and a group created with no rule of its own starts with EC2's default, all traffic to
    // any address, until CloudFormation adds the first of them. CDK's rule that matches nothing
    // keeps the group shut from its creation, and says so in the template.
    (functionGroup.node.defaultChild as ec2.CfnSecurityGroup).addPropertyOverride(
      'SecurityGroupEgress',
      [noTrafficRule],
    );

    const dynamoDb = this.vpc.addGatewayEndpoint('DynamoDbEndpoint', {
      service: ec2.GatewayVpcEndpointAwsService.DYNAMODB,
      subnets: [subnets],
    });
    limitTo(
      dynamoDb,
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      props.tables.map((t) => t.tableArn),
    );

    const s3 = this.vpc.addGatewayEndpoint('S3Endpoint', {
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets: [subnets],
    });
    limitTo(s3, ['s3:PutObject'], [props.payloadBucket.arnForObjects('*')]);

    const interfaceEndpoint = (name: string, service: ec2.InterfaceVpcEndpointAwsService) =>
      this.vpc.addInterfaceEndpoint(name, {
        service,
        subnets,
        privateDnsEnabled: true,
        securityGroups: [endpointGroup],
        open: false,
      });
    limitTo(
      interfaceEndpoint('SqsEndpoint', ec2.InterfaceVpcEndpointAwsService.SQS),
      ['sqs:SendMessage'],
      [props.queue.queueArn],
    );
    const kms = interfaceEndpoint('KmsEndpoint', ec2.InterfaceVpcEndpointAwsService.KMS);
    limitTo(
      kms,
      ['kms:Decrypt', 'kms:GenerateDataKey'],
      props.keys.map((key) => key.keyArn),
    );
    this.#endpoints = { dynamodb: dynamoDb, s3, kms };

    if (props.vpc === undefined) {
      this.restrictedDefaultGroupLogGroup = logDefaultGroupRestriction(this, props.logs);
    }

    this.flowLogGroup = encryptedLogGroup(this, 'FlowLogGroup', props.logs);
    this.flowLogRole = new iam.Role(this, 'FlowLogRole', {
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'VPC flow logs of the ingest network into their log group',
    });
    const flowLogPolicy = new iam.ManagedPolicy(this, 'FlowLogPolicy', {
      roles: [this.flowLogRole],
      statements: [
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          resources: [this.flowLogGroup.logGroupArn],
        }),
      ],
    });
    // The whole VPC when it is this construct's; in the operator's, the subnets the functions
    // run in, and not their other workloads' traffic under this deployment's retention.
    const flowLogged =
      props.vpc === undefined
        ? [{ id: 'FlowLog', resourceId: this.vpc.vpcId, resourceType: 'VPC' }]
        : this.vpc.selectSubnets(subnets).subnets.map((subnet, index) => ({
            id: `SubnetFlowLog${index}`,
            resourceId: subnet.subnetId,
            resourceType: 'Subnet',
          }));
    for (const { id: flowLogId, resourceId, resourceType } of flowLogged) {
      const flowLog = new ec2.CfnFlowLog(this, flowLogId, {
        resourceId,
        resourceType,
        trafficType: 'ALL',
        logDestinationType: 'cloud-watch-logs',
        logGroupName: this.flowLogGroup.logGroupName,
        deliverLogsPermissionArn: this.flowLogRole.roleArn,
      });
      flowLog.node.addDependency(flowLogPolicy);
      flowLog.applyRemovalPolicy(RemovalPolicy.DESTROY);
    }

    this.placement = { vpc: this.vpc, subnets, securityGroup: functionGroup };
  }

  /** A VPC of isolated subnets: no NAT, no internet gateway, no route out. */
  private ownVpc(): ec2.IVpc {
    // Typed as the interface the consumers take: with exactOptionalPropertyTypes the class is
    // not assignable to it (its optional `vpnGatewayId`), though it implements it.
    return new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.40.0.0/24'),
      maxAzs: 2,
      natGateways: 0,
      createInternetGateway: false,
      // Removes the default security group's rules (a CDK custom resource), so nothing
      // launched into the VPC without a group of its own can talk to anything.
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 26 },
      ],
    }) as ec2.IVpc;
  }

  /**
   * Lets this account's principals call `actions` on `resources` through the endpoint of
   * `service` as well: for another function placed in the VPC, which calls what the ingest
   * function does not.
   */
  allowThrough(
    service: EndpointService,
    actions: readonly string[],
    resources: readonly string[],
  ): void {
    limitTo(this.#endpoints[service], actions, resources);
  }
}

/** The services reached through gateway endpoints, at the addresses of their prefix lists. */
export const gatewayServices = ['dynamodb', 's3'] as const;
export type GatewayService = (typeof gatewayServices)[number];

/** The name AWS gives a service's managed prefix list in a region. */
export const managedPrefixListName = (region: string, service: GatewayService): string =>
  `com.amazonaws.${region}.${service}`;

/** The custom resource's type, its properties and what its answer's `Data` holds. */
export const prefixListLookup = {
  resourceType: 'Custom::ManagedPrefixLists',
  /** Service to prefix list name, e.g. `{ dynamodb: 'com.amazonaws.eu-west-1.dynamodb' }`. */
  namesProperty: 'PrefixListNames',
} as const;

/**
 * The lookup function's code, inline (CloudFormation's ZipFile: index.js, CommonJS, at most
 * 4,096 characters): it answers the custom resource with the id of each named AWS-managed prefix
 * list, read with one `DescribeManagedPrefixLists` call, and fails it when a list is missing.
 * A Delete has nothing to undo. It answers CloudFormation itself, at the request's pre-signed
 * URL, with an empty Content-Type, which that URL's signature expects.
 */
export const prefixListLookupCode = `const https = require('node:https');
const { EC2Client, DescribeManagedPrefixListsCommand } = require('@aws-sdk/client-ec2');

exports.handler = async (event) => {
  const answer = {
    Status: 'SUCCESS',
    PhysicalResourceId: event.PhysicalResourceId || event.LogicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  };
  try {
    if (event.RequestType !== 'Delete') {
      const names = event.ResourceProperties.${prefixListLookup.namesProperty};
      const found = await new EC2Client({}).send(
        new DescribeManagedPrefixListsCommand({
          Filters: [{ Name: 'prefix-list-name', Values: Object.values(names) }],
        }),
      );
      const data = {};
      for (const [service, name] of Object.entries(names)) {
        const list = (found.PrefixLists || []).find((l) => l.PrefixListName === name);
        if (!list || !list.PrefixListId) throw new Error('no AWS-managed prefix list ' + name);
        data[service] = list.PrefixListId;
      }
      answer.Data = data;
      answer.PhysicalResourceId = Object.values(data).join(',');
    }
  } catch (error) {
    answer.Status = 'FAILED';
    answer.Reason = String((error && error.message) || error);
  }
  console.log(JSON.stringify({ request: event.RequestType, status: answer.Status, reason: answer.Reason, data: answer.Data }));
  await respond(event.ResponseURL, JSON.stringify(answer));
};

function respond(url, body) {
  return new Promise((resolve, reject) => {
    const request = https.request(url, {
      method: 'PUT',
      headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
    }, (response) => {
      response.resume();
      response.on('end', resolve);
    });
    request.on('error', reject);
    request.end(body);
  });
}
`;

export interface GatewayPrefixListsProps {
  readonly logs: LogGroupSettings;
}

/**
 * The ids of the region's AWS-managed prefix lists of DynamoDB and S3, looked up while
 * CloudFormation creates or updates the stack: the stack names no region at synthesis, and a
 * list's id differs per region. A function of its own answers the custom resource, rather than
 * CDK's AwsCustomResource, whose one Lambda per stack is shared with any other such resource
 * the operator's stack holds, role and policy included. Its role may call
 * `ec2:DescribeManagedPrefixLists`, a read that takes no resource, and write its own log:
 * nothing else.
 */
export class GatewayPrefixLists extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly policy: iam.ManagedPolicy;
  readonly logGroup: logs.LogGroup;
  readonly resource: CustomResource;
  /** Each gateway service's prefix list id, resolved at deploy time. */
  readonly ids: Readonly<Record<GatewayService, string>>;

  constructor(scope: Construct, id: string, props: GatewayPrefixListsProps) {
    super(scope, id);
    this.logGroup = encryptedLogGroup(this, 'LogGroup', props.logs);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: "Looks up the region's DynamoDB and S3 prefix lists: read only",
    });
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description:
        "The prefix list lookup: describe the region's managed prefix lists, its own logs",
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'DescribeManagedPrefixLists',
          actions: ['ec2:DescribeManagedPrefixLists'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'WriteOwnLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [this.logGroup.logGroupArn],
        }),
      ],
    });
    this.function = new lambda.Function(this, 'Function', {
      description: "Looks up the ids of the region's DynamoDB and S3 managed prefix lists",
      code: lambda.Code.fromInline(prefixListLookupCode),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(30),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      // One stack operation at a time calls it.
      reservedConcurrentExecutions: 1,
    });
    // It must not run before it may call EC2 and write its log.
    this.function.node.addDependency(this.policy);
    const region = Stack.of(this).region;
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.function.functionArn,
      resourceType: prefixListLookup.resourceType,
      properties: {
        [prefixListLookup.namesProperty]: Object.fromEntries(
          gatewayServices.map((service) => [service, managedPrefixListName(region, service)]),
        ),
      },
      // compliance/acknowledgements.ts states it (the lookup Lambda's dead-letter queue).
      serviceTimeout: Duration.minutes(2),
    });
    this.ids = {
      dynamodb: this.resource.getAttString('dynamodb'),
      s3: this.resource.getAttString('s3'),
    };
  }
}

/**
 * `restrictDefaultSecurityGroup` runs a CDK-provided custom resource Lambda at deploy time,
 * which would otherwise log to an unencrypted group kept forever. Its logs go to an encrypted
 * group with the deployment's retention, like every other log group of the stack.
 */
function logDefaultGroupRestriction(scope: Construct, settings: LogGroupSettings): logs.LogGroup {
  const provider = Stack.of(scope).node.tryFindChild(
    'Custom::VpcRestrictDefaultSGCustomResourceProvider',
  );
  const handler = provider?.node.tryFindChild('Handler');
  if (!(handler instanceof CfnResource)) {
    throw new Error('the CDK custom resource that restricts the default security group moved');
  }
  const logGroup = encryptedLogGroup(scope, 'DefaultGroupRestrictionLogGroup', settings);
  handler.addPropertyOverride('LoggingConfig', { LogGroup: logGroup.logGroupName });
  return logGroup;
}

/** An endpoint that serves this account's principals, for these actions on these resources. */
function limitTo(
  endpoint: ec2.GatewayVpcEndpoint | ec2.InterfaceVpcEndpoint,
  actions: readonly string[],
  resources: readonly string[],
): void {
  endpoint.addToPolicy(
    new iam.PolicyStatement({
      principals: [new iam.AnyPrincipal()],
      actions: [...actions],
      resources: [...resources],
      conditions: { StringEquals: { 'aws:PrincipalAccount': Aws.ACCOUNT_ID } },
    }),
  );
}

/**
 * The subnets the functions take in the operator's VPC when `vpcSubnets` names none: its
 * isolated subnets, else its private ones; never its public ones, where CDK's default ends.
 */
export function defaultSubnets(vpc: ec2.IVpc): ec2.SubnetSelection {
  return {
    subnetType:
      vpc.isolatedSubnets.length > 0
        ? ec2.SubnetType.PRIVATE_ISOLATED
        : ec2.SubnetType.PRIVATE_WITH_EGRESS,
  };
}

/** The network props of WebhookIngestion, as webhook-ingestion-props.ts documents them. */
export interface NetworkChoices {
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly vpcPlacement?: boolean;
}

/**
 * What is wrong with the operator's VPC and subnets. Public subnets are refused everywhere (a
 * function there has no internet access, and CDK refuses the ones it recognizes); where a
 * control requires the network isolated (pci-dss 1.3, hipaa 164.312(b)), so are subnets whose
 * kind synthesis cannot tell, each refusal naming the control.
 */
export function userVpcProblems(
  choices: NetworkChoices,
  profiles: readonly ComplianceProfileName[],
): string[] {
  const { vpc, vpcSubnets } = choices;
  if (vpc === undefined) {
    return vpcSubnets === undefined
      ? []
      : ['vpcSubnets selects subnets of vpc, which is not given'];
  }
  if (choices.vpcPlacement === false) {
    return ['vpc is given but vpcPlacement is false: leave vpcPlacement out, or vpc'];
  }
  let selected: ec2.SelectedSubnets;
  try {
    selected = vpc.selectSubnets(vpcSubnets ?? defaultSubnets(vpc));
  } catch (error) {
    return [`vpcSubnets selects nothing in vpc: ${(error as Error).message}`];
  }
  // Vpc.fromLookup's placeholder, before the lookup: the real subnets are checked next pass.
  if (selected.isPendingLookup) return [];
  if (selected.subnets.length === 0) return ['vpcSubnets selects no subnet of vpc'];
  const controls = controlsFor(profiles)
    .filter((control) => control.checks.includes('lambda-in-isolated-network'))
    .map((control) => control.id);
  const refusedBy = controls.length === 0 ? '' : `, and ${controls.join(', ')} refuse it`;
  const kinds = selected.subnets.map((subnet) => ({ subnet, kind: subnetKind(vpc, subnet) }));
  const named = (kind: SubnetKind) =>
    kinds.filter((k) => k.kind === kind).map(({ subnet }) => describeSubnet(subnet));
  const problems: string[] = [];
  const publicOnes = named('public');
  if (publicOnes.length > 0) {
    problems.push(
      `vpcSubnets selects public subnets (${publicOnes.join(', ')}): a Lambda function there has no internet access and nothing between it and the internet gateway${refusedBy}; select isolated or private subnets`,
    );
  }
  const unknown = named('unknown');
  if (unknown.length > 0 && controls.length > 0) {
    problems.push(
      `vpcSubnets selects subnets that are not among vpc's isolated or private subnets (${unknown.join(', ')}), so synthesis cannot show they have no route from the internet, which ${controls.join(', ')} require: select them by subnetType or subnetGroupName of a VPC that knows its subnets (ec2.Vpc.fromLookup, or fromVpcAttributes with isolatedSubnetIds or privateSubnetIds)`,
    );
  }
  return problems;
}

/** How a selected subnet reaches out, as far as the VPC's description tells. */
type SubnetKind = 'isolated' | 'private' | 'public' | 'unknown';

function subnetKind(vpc: ec2.IVpc, subnet: ec2.ISubnet): SubnetKind {
  const id = knownId(subnet);
  const among = (subnets: readonly ec2.ISubnet[]) =>
    subnets.some((s) => s === subnet || (id !== undefined && knownId(s) === id));
  if (among(vpc.publicSubnets)) return 'public';
  if (among(vpc.isolatedSubnets)) return 'isolated';
  if (among(vpc.privateSubnets)) return 'private';
  return 'unknown';
}

function knownId(subnet: ec2.ISubnet): string | undefined {
  return Token.isUnresolved(subnet.subnetId) ? undefined : subnet.subnetId;
}

function describeSubnet(subnet: ec2.ISubnet): string {
  return knownId(subnet) ?? subnet.node.path;
}

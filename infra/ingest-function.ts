/**
 * The ingest Lambda: functions/ingest/handler.ts as the build bundled it (scripts/build.mjs,
 * dist/lambda/ingest), Node.js 24 on arm64 unless told x86_64, its own encrypted log group with JSON logs, reserved
 * concurrency when asked, X-Ray tracing when asked, and a role that holds only customer managed
 * policies, one per concern.
 */
import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { retentionFloorVariable } from '../compliance/profiles.ts';
import { ingestUpdatedAttributes } from '../functions/audit/delivery-item.ts';
import { payloadBucket } from '../functions/config/buckets.ts';
import { kmsKeys } from '../functions/config/keys.ts';
import { ingestFunctionTimeoutSeconds } from '../functions/config/limits.ts';
import { deliveryQueue } from '../functions/config/queues.ts';
import {
  payloadCopyCeilingVariable,
  type RetentionClassName,
} from '../functions/config/retention.ts';
import { auditTable, registryTable } from '../functions/config/tables.ts';
import { metricsNamespaceVariable, telemetry } from '../functions/config/telemetry.ts';
import { type FunctionPolicies, functionPolicies } from './function-policies.ts';
import type { DataKeys } from './keys.ts';
import { lambdaBundleDirectory } from './lambda-bundle.ts';
import { encryptedLogGroup, type LogGroupSettings } from './log-groups.ts';
import type { PayloadBucket } from './payload-bucket.ts';

/**
 * The instruction sets the ingest function may run on. Its bundle (scripts/build.mjs) is
 * JavaScript alone, esbuild's `platform: 'node'` with no native addon, so one bundle runs on
 * either.
 */
export const ingestArchitectures = ['arm64', 'x86_64'] as const;

export type IngestArchitecture = (typeof ingestArchitectures)[number];

/** The memory and architecture the function gets unless the props say otherwise. */
export const ingestFunctionDefaults = {
  memoryMiB: 512,
  /** Graviton: about 20 % cheaper per GB-second than x86_64 at the same memory. */
  architecture: 'arm64',
} as const satisfies { memoryMiB: number; architecture: IngestArchitecture };

/**
 * The least memory accepted: the largest event (6 MB, functions/config/limits.ts) is held
 * several times over (the event, the decoded body, its encrypted copy) beside the SDK clients,
 * and Lambda's CPU share grows with memory, under a timeout that cannot grow. Lambda's own
 * range ends at 10,240.
 */
export const ingestMemoryRangeMiB = { min: 256, max: 10_240 } as const;

/** What is wrong with `ingestMemoryMiB` and `ingestArchitecture`, each naming the prop. */
export function ingestFunctionProblems(memoryMiB: number, architecture: string): string[] {
  const problems: string[] = [];
  const { min, max } = ingestMemoryRangeMiB;
  if (!Number.isInteger(memoryMiB) || memoryMiB < min || memoryMiB > max) {
    problems.push(`ingestMemoryMiB must be an integer from ${min} to ${max}, got ${memoryMiB}`);
  }
  if (!(ingestArchitectures as readonly string[]).includes(architecture)) {
    problems.push(
      `ingestArchitecture must be one of ${ingestArchitectures.join(', ')}, got ${JSON.stringify(architecture)}`,
    );
  }
  return problems;
}

/** Where the function runs inside a VPC. */
export interface IngestNetworkPlacement {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
}

export interface IngestFunctionProps {
  readonly keys: DataKeys;
  readonly registryTable: dynamodb.Table;
  readonly auditTable: dynamodb.Table;
  readonly queue: sqs.IQueue;
  /** Where bodies too large for a queue message go. */
  readonly payloadBucket: PayloadBucket;
  readonly logs: LogGroupSettings;
  /**
   * Concurrent executions reserved for (and capping) the function. Lambda refuses one that
   * would leave the account less than its minimum unreserved (100 at the default quota), so it
   * fails to deploy in accounts whose quota is still reduced, as new accounts' are.
   * @default - none: the function scales within the account's unreserved concurrency
   */
  readonly reservedConcurrency?: number;
  /** The retention class whose audit days every delivery audit record keeps at least. */
  readonly retentionFloor: RetentionClassName;
  /** The retention class whose payload days bound every payload copy. */
  readonly payloadCopyCeiling: RetentionClassName;
  /** @default - not in a VPC */
  readonly network?: IngestNetworkPlacement;
  /** Active X-Ray tracing, with the policy to send segments. */
  readonly tracing: boolean;
  /** @default ingestFunctionDefaults.memoryMiB */
  readonly memoryMiB?: number;
  /** @default ingestFunctionDefaults.architecture */
  readonly architecture?: IngestArchitecture;
  /**
   * The EMF namespace the handler counts in, the instance's (infra/outputs.ts `instanceNames`).
   * @default - `telemetry.metricsNamespace`, the unnamed instance's
   */
  readonly metricsNamespace?: string;
}

export class IngestFunction extends Construct {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  /** The customer managed policies on `role`, by concern. */
  readonly policies: FunctionPolicies;

  constructor(scope: Construct, id: string, props: IngestFunctionProps) {
    super(scope, id);
    this.logGroup = encryptedLogGroup(this, 'LogGroup', props.logs);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'The webhook ingest Lambda: read the registry, write the audit trail, queue',
    });
    const data = this.dataPolicy(props);
    this.policies = functionPolicies(this, this.role, data, {
      tracing: props.tracing,
      inVpc: props.network !== undefined,
      what: 'the ingest Lambda',
    });
    props.keys.grantIngest(this.role);

    this.function = new lambda.Function(this, 'Function', {
      code: lambda.Code.fromAsset(lambdaBundleDirectory('ingest', 'the ingest Lambda')),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture:
        (props.architecture ?? ingestFunctionDefaults.architecture) === 'x86_64'
          ? lambda.Architecture.X86_64
          : lambda.Architecture.ARM_64,
      memorySize: props.memoryMiB ?? ingestFunctionDefaults.memoryMiB,
      // Above the delivery budget and its settle allowance, under API Gateway's 29 s.
      timeout: Duration.seconds(ingestFunctionTimeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      // JSON, so that Lambda filters by level: platform lines (START, END, REPORT) are INFO and
      // are not ingested at WARN; failures (timeouts, crashes) still are. The application level
      // stays INFO: the handler's one line per request and its EMF metrics line (no level, so
      // INFO to Lambda) are what the dashboard, alarms and saved queries read.
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      ...(props.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrency }),
      environment: this.environment(props),
      ...(props.network === undefined
        ? {}
        : {
            vpc: props.network.vpc,
            vpcSubnets: props.network.subnets,
            securityGroups: [props.network.securityGroup],
          }),
    });
    if (props.tracing) {
      // Set on the L1 resource: the L2 `tracing` prop would add an inline policy to the role.
      (this.function.node.defaultChild as lambda.CfnFunction).tracingConfig = {
        mode: lambda.Tracing.ACTIVE,
      };
    }
    // The function must not be created (and invoked) before its permissions exist.
    for (const policy of Object.values(this.policies)) {
      if (policy !== undefined) this.function.node.addDependency(policy);
    }
  }

  /** Names only: table names, the queue URL, key ids and the retention floor. No secrets. */
  private environment(props: IngestFunctionProps): Record<string, string> {
    return {
      [registryTable.nameVariable]: props.registryTable.tableName,
      [auditTable.nameVariable]: props.auditTable.tableName,
      [deliveryQueue.urlVariable]: props.queue.queueUrl,
      [payloadBucket.nameVariable]: props.payloadBucket.bucket.bucketName,
      [kmsKeys.secrets.idVariable]: props.keys.secrets.keyId,
      [kmsKeys.audit.idVariable]: props.keys.audit.keyId,
      [retentionFloorVariable]: props.retentionFloor,
      [payloadCopyCeilingVariable]: props.payloadCopyCeiling,
      POWERTOOLS_SERVICE_NAME: telemetry.serviceName,
      [metricsNamespaceVariable]: props.metricsNamespace ?? telemetry.metricsNamespace,
      // Untraced, Powertools' Tracer would still build segments that nothing sends.
      ...(props.tracing ? {} : { POWERTOOLS_TRACE_ENABLED: 'false' }),
    };
  }

  /** What the handler calls, on exactly the resources it calls it on. */
  private dataPolicy(props: IngestFunctionProps): iam.ManagedPolicy {
    return new iam.ManagedPolicy(this, 'DataPolicy', {
      description:
        'The webhook ingest Lambda: registry reads, append-only audit writes, queue sends, logs',
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadProviderConfiguration',
          actions: ['dynamodb:GetItem'],
          resources: [props.registryTable.tableArn],
        }),
        new iam.PolicyStatement({
          // Claims, records and payload copies, each a PutItem on condition that its key is
          // new; a void delivery item (past its dedup window, or released) is replaced only in a
          // transaction that first copies it aside (functions/audit/delivery-claims.ts). IAM
          // cannot require the condition: docs/audit-integrity.md says what the digests catch.
          sid: 'AppendAuditRecords',
          actions: ['dynamodb:PutItem'],
          resources: [props.auditTable.tableArn],
        }),
        new iam.PolicyStatement({
          // A repeat appended to its delivery item, a claim marked released: the updates name
          // no attribute but these (keys, `attempts`, `releasedAtMs`), so never a record field,
          // a seal or `expiresAt`, and return nothing. No DeleteItem: erasure is the operator's
          // (`grantEraseSubjects`).
          sid: 'AppendToDeliveryItems',
          actions: ['dynamodb:UpdateItem'],
          resources: [props.auditTable.tableArn],
          conditions: {
            'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...ingestUpdatedAttributes] },
            StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
          },
        }),
        new iam.PolicyStatement({
          sid: 'QueueAcceptedDeliveries',
          actions: ['sqs:SendMessage'],
          resources: [props.queue.queueArn],
        }),
        props.payloadBucket.grantWrite(this.role),
        new iam.PolicyStatement({
          sid: 'WriteOwnLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [this.logGroup.logGroupArn],
        }),
      ],
    });
  }
}

/**
 * The live stack, read through the AWS SDK clients this project installs: CloudFormation
 * (outputs), DynamoDB (encryption, deletion protection, point-in-time recovery, TTL), KMS (key
 * rotation) and SQS (queue encryption and policy). Each resource is found through a stack
 * output that the template says refers to it, so a value read here is compared with the same
 * resource's template setting. A call that is refused or fails is recorded with its IAM
 * action, and the report carries on with the template.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { GetKeyRotationStatusCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { allowedRanges } from '../../functions/registry/provider.ts';
import { ProviderRegistryStore } from '../../functions/registry/registry-store.ts';
import { stackOutputKeys } from '../../infra/output-names.ts';
import { StackUnreachableError } from './errors.ts';
import type { LiveResources } from './live-resources.ts';
import { failure, type Observed, observe } from './observed.ts';

export { failure, type Observed, observe };

import { isRecord, referencedId, type Template } from './template.ts';

export interface LiveClients {
  readonly cloudFormation: CloudFormationClient;
  readonly dynamodb: DynamoDBClient;
  readonly kms: KMSClient;
  readonly sqs: SQSClient;
}

export interface LiveTable {
  readonly name: string;
  readonly description: Observed<{
    readonly sseStatus: string | undefined;
    readonly sseType: string | undefined;
    readonly kmsKeyArn: string | undefined;
    readonly deletionProtection: boolean | undefined;
  }>;
  readonly pointInTimeRecovery: Observed<{
    readonly status: string | undefined;
    readonly recoveryPeriodInDays: number | undefined;
  }>;
  readonly timeToLive: Observed<{
    readonly status: string | undefined;
    readonly attributeName: string | undefined;
  }>;
}

export interface LiveKey {
  readonly keyId: string;
  readonly arn: string | undefined;
  readonly rotation: Observed<{
    readonly enabled: boolean;
    readonly periodInDays: number | undefined;
  }>;
}

export interface LiveQueue {
  readonly url: string;
  readonly attributes: Observed<{
    readonly kmsMasterKeyId: string | undefined;
    /** The queue policy as JSON text. */
    readonly policy: string | undefined;
  }>;
}

/**
 * A provider's source allowlist as the registry holds it (functions/registry/source-ranges.ts):
 * runtime data, set with `webhooks providers add/update`, so only the live stack shows it.
 */
export interface LiveSourceAllowlist {
  readonly providerId: string;
  readonly enabled: boolean;
  /** Every range deliveries may come from; empty when any address may deliver. */
  readonly ranges: readonly string[];
  /** The provider's published list, when the allowlist follows it. */
  readonly published?: { readonly list: string; readonly fetchedAt: string };
}

/** What the report compares with the template, by the resources' logical ids. */
export interface LiveStack {
  readonly stackName: string;
  readonly region: string;
  readonly outputs: ReadonlyMap<string, string>;
  readonly tables: ReadonlyMap<string, LiveTable>;
  readonly keys: ReadonlyMap<string, LiveKey>;
  readonly queues: ReadonlyMap<string, LiveQueue>;
  /** Each registered provider's allowlist, read from the registry table the outputs name. */
  readonly sourceAllowlists: Observed<readonly LiveSourceAllowlist[]>;
  /**
   * Log groups, functions, API stages, topics and buckets (live-resources.ts), read by the
   * report. @default - not read: the caller (the scheduled self-audit) reads the classes above only
   */
  readonly resources?: LiveResources;
}

/** Clients for `region` (default: the SDK's); `destroy` closes them. */
export function createLiveClients(region: string | undefined): LiveClients & { destroy(): void } {
  const options = region === undefined ? {} : { region };
  const clients = {
    cloudFormation: new CloudFormationClient(options),
    dynamodb: new DynamoDBClient(options),
    kms: new KMSClient(options),
    sqs: new SQSClient(options),
  };
  return {
    ...clients,
    destroy() {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}

/** The stack's outputs by key; StackUnreachableError when DescribeStacks fails. */
export async function describeStackOutputs(
  cloudFormation: CloudFormationClient,
  stackName: string,
): Promise<Map<string, string>> {
  try {
    const { Stacks } = await cloudFormation.send(
      new DescribeStacksCommand({ StackName: stackName }),
    );
    return new Map(
      (Stacks?.[0]?.Outputs ?? []).flatMap((output) =>
        output.OutputKey && output.OutputValue ? [[output.OutputKey, output.OutputValue]] : [],
      ),
    );
  } catch (error) {
    throw new StackUnreachableError(
      `cannot describe stack '${stackName}': ${failure('cloudformation:DescribeStacks', error)}`,
      { cause: error },
    );
  }
}

/**
 * Reads the live settings of every table, key and queue that a template output refers to
 * (`Ref`), with the key ARNs the outputs give (`Fn::GetAtt … Arn`).
 */
export async function readLiveStack(
  template: Template,
  stack: { readonly stackName: string; readonly outputs: ReadonlyMap<string, string> },
  clients: LiveClients,
): Promise<LiveStack> {
  const physical = physicalIdsByType(template, stack.outputs);
  const keyArns = keyArnsByLogicalId(template, stack.outputs);
  const read = async <T>(
    ids: ReadonlyMap<string, string>,
    reader: (physicalId: string, logicalId: string) => Promise<T>,
  ) =>
    new Map(
      await Promise.all(
        [...ids].map(async ([logicalId, id]) => [logicalId, await reader(id, logicalId)] as const),
      ),
    );
  const registryTable = stack.outputs.get(stackOutputKeys.registryTableName);
  const [tables, keys, queues, region, sourceAllowlists] = await Promise.all([
    read(physical.get('AWS::DynamoDB::Table') ?? new Map(), (name) =>
      readTable(clients.dynamodb, name),
    ),
    read(physical.get('AWS::KMS::Key') ?? new Map(), (keyId, logicalId) =>
      readKey(clients.kms, keyId, keyArns.get(logicalId)),
    ),
    read(physical.get('AWS::SQS::Queue') ?? new Map(), (url) => readQueue(clients.sqs, url)),
    clients.cloudFormation.config.region().catch(() => 'the SDK default region'),
    registryTable === undefined
      ? { unavailable: `the stack has no ${stackOutputKeys.registryTableName} output` }
      : readSourceAllowlists(clients.dynamodb, registryTable),
  ]);
  return {
    stackName: stack.stackName,
    region,
    outputs: stack.outputs,
    tables,
    keys,
    queues,
    sourceAllowlists,
  };
}

/** Every provider's allowlist; a listing the registry cannot give is `unavailable`. */
export function readSourceAllowlists(
  dynamodb: DynamoDBClient,
  tableName: string,
): Promise<Observed<readonly LiveSourceAllowlist[]>> {
  return observe('dynamodb:Scan', async () => {
    const store = new ProviderRegistryStore({ dynamodb, tableName });
    // The store wraps the SDK's error: report the SDK's own, which names a missing permission.
    const { providers, malformed } = await store.list().catch((error: unknown) => {
      throw error instanceof Error && error.cause instanceof Error ? error.cause : error;
    });
    if (malformed.length > 0) {
      throw new Error(`${malformed.length} registry items could not be read`);
    }
    return providers.map(({ providerId, enabled, sources }) => ({
      providerId,
      enabled,
      ranges: sources === undefined ? [] : allowedRanges(sources),
      ...(sources?.published === undefined
        ? {}
        : {
            published: {
              list: sources.published.list,
              fetchedAt: new Date(sources.published.fetchedAtMs).toISOString(),
            },
          }),
    }));
  });
}

/** For each resource type, logical id → the physical id an output (a `Ref`) gives. */
function physicalIdsByType(
  template: Template,
  outputs: ReadonlyMap<string, string>,
): Map<string, Map<string, string>> {
  const byType = new Map<string, Map<string, string>>();
  for (const [key, output] of Object.entries(template.Outputs ?? {})) {
    const value = output.Value;
    const live = outputs.get(key);
    if (!isRecord(value) || typeof value.Ref !== 'string' || live === undefined) continue;
    const type = template.Resources[value.Ref]?.Type;
    if (type === undefined) continue;
    const ids = byType.get(type) ?? new Map<string, string>();
    ids.set(value.Ref, live);
    byType.set(type, ids);
  }
  return byType;
}

function keyArnsByLogicalId(
  template: Template,
  outputs: ReadonlyMap<string, string>,
): Map<string, string> {
  const arns = new Map<string, string>();
  for (const [key, output] of Object.entries(template.Outputs ?? {})) {
    const getAtt = isRecord(output.Value) ? output.Value['Fn::GetAtt'] : undefined;
    const live = outputs.get(key);
    if (Array.isArray(getAtt) && getAtt[1] === 'Arn' && live !== undefined) {
      const id = referencedId(output.Value);
      if (id !== undefined) arns.set(id, live);
    }
  }
  return arns;
}

async function readTable(dynamodb: DynamoDBClient, name: string): Promise<LiveTable> {
  const [description, pointInTimeRecovery, timeToLive] = await Promise.all([
    observe('dynamodb:DescribeTable', async () => {
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
      return {
        sseStatus: Table?.SSEDescription?.Status,
        sseType: Table?.SSEDescription?.SSEType,
        kmsKeyArn: Table?.SSEDescription?.KMSMasterKeyArn,
        deletionProtection: Table?.DeletionProtectionEnabled,
      };
    }),
    observe('dynamodb:DescribeContinuousBackups', async () => {
      const { ContinuousBackupsDescription: backups } = await dynamodb.send(
        new DescribeContinuousBackupsCommand({ TableName: name }),
      );
      const recovery = backups?.PointInTimeRecoveryDescription;
      return {
        status: recovery?.PointInTimeRecoveryStatus,
        recoveryPeriodInDays: recovery?.RecoveryPeriodInDays,
      };
    }),
    observe('dynamodb:DescribeTimeToLive', async () => {
      const { TimeToLiveDescription: ttl } = await dynamodb.send(
        new DescribeTimeToLiveCommand({ TableName: name }),
      );
      return { status: ttl?.TimeToLiveStatus, attributeName: ttl?.AttributeName };
    }),
  ]);
  return { name, description, pointInTimeRecovery, timeToLive };
}

async function readKey(kms: KMSClient, keyId: string, arn: string | undefined): Promise<LiveKey> {
  const rotation = await observe('kms:GetKeyRotationStatus', async () => {
    const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    return {
      enabled: status.KeyRotationEnabled === true,
      periodInDays: status.RotationPeriodInDays,
    };
  });
  return { keyId, arn, rotation };
}

async function readQueue(sqs: SQSClient, url: string): Promise<LiveQueue> {
  const attributes = await observe('sqs:GetQueueAttributes', async () => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['KmsMasterKeyId', 'Policy'],
      }),
    );
    return { kmsMasterKeyId: Attributes?.KmsMasterKeyId, policy: Attributes?.Policy };
  });
  return { url, attributes };
}

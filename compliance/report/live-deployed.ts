/**
 * What the deployed stack holds beside each resource's service settings: the DeletionPolicy
 * of each resource in the template CloudFormation deployed (cloudformation:GetTemplate), which
 * is what deleting the stack applies; each KMS key's spec and usage (kms:DescribeKey) and
 * rotation (kms:GetKeyRotationStatus, for the keys no stack output names); each
 * EventBridge rule's schedule and state (events:DescribeRule). Read by `webhooks compliance
 * report` only (live-resources.ts).
 */
import { type CloudFormationClient, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { DescribeRuleCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  DescribeKeyCommand,
  GetKeyRotationStatusCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { type Observed, observe } from './observed.ts';

export interface LiveDeletionPolicy {
  /** The policy the deployed template sets; undefined when it sets none (Delete). */
  readonly deletionPolicy: string | undefined;
}

export interface LiveKeyDescription {
  readonly keySpec: string | undefined;
  readonly keyUsage: string | undefined;
  readonly enabled: boolean;
}

export interface LiveKeyRotation {
  readonly enabled: boolean;
  readonly periodInDays: number | undefined;
}

export interface LiveRule {
  readonly scheduleExpression: string | undefined;
  readonly state: string | undefined;
}

/**
 * Each resource's DeletionPolicy in the deployed template, by logical id: one call, so every
 * reading carries its time, or its failure.
 */
export async function readDeletionPolicies(
  cloudFormation: CloudFormationClient,
  stackName: string,
  logicalIds: readonly string[],
): Promise<Map<string, Observed<LiveDeletionPolicy>>> {
  const read = await observe('cloudformation:GetTemplate', async () => {
    const { TemplateBody } = await cloudFormation.send(
      new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Processed' }),
    );
    const template: unknown = JSON.parse(TemplateBody ?? '{}');
    const resources =
      typeof template === 'object' && template !== null
        ? (template as { Resources?: Record<string, { DeletionPolicy?: unknown }> }).Resources
        : undefined;
    return resources ?? {};
  });
  const at = read.readAt === undefined ? {} : { readAt: read.readAt };
  return new Map(
    logicalIds.map((id): [string, Observed<LiveDeletionPolicy>] => {
      if (!('value' in read)) return [id, read];
      const policy = read.value[id]?.DeletionPolicy;
      return [
        id,
        { value: { deletionPolicy: typeof policy === 'string' ? policy : undefined }, ...at },
      ];
    }),
  );
}

export function readKeyDescription(
  kms: KMSClient,
  keyId: string,
): Promise<Observed<LiveKeyDescription>> {
  return observe('kms:DescribeKey', async () => {
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    return {
      keySpec: KeyMetadata?.KeySpec,
      keyUsage: KeyMetadata?.KeyUsage,
      enabled: KeyMetadata?.Enabled === true,
    };
  });
}

/** A key's rotation, as live.ts reads it for the keys the stack's outputs name. */
export function readKeyRotation(kms: KMSClient, keyId: string): Promise<Observed<LiveKeyRotation>> {
  return observe('kms:GetKeyRotationStatus', async () => {
    const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    return {
      enabled: status.KeyRotationEnabled === true,
      periodInDays: status.RotationPeriodInDays,
    };
  });
}

/** An EventBridge rule by its physical id: its name, or `bus|name` on a bus of its own. */
export function readRule(
  events: EventBridgeClient,
  physicalId: string,
): Promise<Observed<LiveRule>> {
  return observe('events:DescribeRule', async () => {
    const [first, second] = physicalId.split('|');
    const rule = await events.send(
      new DescribeRuleCommand(
        second === undefined ? { Name: first } : { EventBusName: first, Name: second },
      ),
    );
    return { scheduleExpression: rule?.ScheduleExpression, state: rule?.State };
  });
}

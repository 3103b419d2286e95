/**
 * The key guard (`keyGuard`): every customer managed key of the deployment denies disabling,
 * deletion and turning rotation off to every principal but one break-glass role, so that an
 * administrator who may manage the keys through IAM still cannot make the data unreadable in
 * one call. What it cannot stop, and what watches for that, is in infra/key-policies.ts
 * (`keyDeletionGuard`) and infra/key-change-alarm.ts.
 */
import * as kms from 'aws-cdk-lib/aws-kms';
import type { IConstruct } from 'constructs';
import { isRoleArn, type KeyGuardOptions } from './key-custodians.ts';
import { keyDeletionGuard } from './key-policies.ts';
import type { DataRemovalPolicy } from './webhook-ingestion-props.ts';

export type { KeyGuardOptions } from './key-custodians.ts';

/**
 * `destroy` has CloudFormation schedule the keys' deletion when the stack is deleted, under
 * the deploying role, which the guard denies: the deletion would fail half way, the tables and
 * logs gone and the keys left. The two contradict each other, so synthesis refuses them.
 */
export function keyGuardProblems(
  guard: KeyGuardOptions | undefined,
  removalPolicy: DataRemovalPolicy,
): string[] {
  if (guard === undefined) return [];
  const problems: string[] = [];
  if (typeof guard.breakGlassRoleArn !== 'string' || !isRoleArn(guard.breakGlassRoleArn)) {
    problems.push(
      `keyGuard.breakGlassRoleArn must be an IAM role ARN (arn:aws:iam::<account>:role/<path><name>), got ${JSON.stringify(guard.breakGlassRoleArn)}`,
    );
  }
  if (removalPolicy === 'destroy') {
    problems.push(
      "keyGuard denies key deletion to every principal but the break-glass role, and removalPolicy 'destroy' has CloudFormation schedule the keys' deletion with the stack: choose one (docs/teardown.md)",
    );
  }
  return problems;
}

/**
 * Every customer managed key under `scope`: the data keys given, and every `kms.Key` built as
 * one. A key policy made any other way could not be guarded or watched, so it is refused here
 * rather than left out silently.
 */
export function deploymentKeys(scope: IConstruct, dataKeys: readonly kms.IKey[]): kms.IKey[] {
  const nodes = scope.node.findAll();
  const built = nodes.filter((node): node is kms.Key => node instanceof kms.Key);
  const resources = nodes.filter((node) => node instanceof kms.CfnKey).length;
  if (resources !== dataKeys.length + built.length) {
    throw new Error(
      `${scope.node.path} has ${resources} KMS keys, of which ${dataKeys.length + built.length} are data keys or kms.Key: build every key as one of those, so that keyGuard and the KeyChanges rule cover it`,
    );
  }
  return [...dataKeys, ...built];
}

/** Adds the guard's Deny to each key's policy. */
export function guardKeys(keys: readonly kms.IKey[], guard: KeyGuardOptions): void {
  for (const key of keys) {
    const { statementAdded } = key.addToResourcePolicy(keyDeletionGuard(guard.breakGlassRoleArn));
    if (!statementAdded) throw new Error(`keyGuard: the policy of ${key.node.path} is not ours`);
  }
}

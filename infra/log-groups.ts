/**
 * Every log group of the deployment is made here: encrypted with the audit/logs key, kept
 * exactly as long as the compliance profiles ask, and kept or deleted with the stack as the
 * deployment's removal policy says, so no log group can miss any of the three.
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** The retention periods CloudWatch Logs accepts, in days. */
export const logRetentionDayValues: readonly number[] = Object.values(logs.RetentionDays).filter(
  (days): days is number => typeof days === 'number' && days !== logs.RetentionDays.INFINITE,
);

export interface LogGroupSettings {
  /** The audit/logs key; its policy lets CloudWatch Logs use it for this account's groups. */
  readonly key: kms.IKey;
  /** One of `logRetentionDayValues`. */
  readonly retentionDays: number;
  /**
   * RETAIN keeps the group when the stack is deleted, so that deleting the stack never deletes
   * audit evidence; DESTROY (baseline only, `removalPolicy: 'destroy'`) deletes it with the stack.
   */
  readonly removalPolicy: RemovalPolicy;
}

/** An encrypted log group with the deployment's retention and removal policy. */
export function encryptedLogGroup(
  scope: Construct,
  id: string,
  settings: LogGroupSettings,
  logGroupName?: string,
): logs.LogGroup {
  if (!logRetentionDayValues.includes(settings.retentionDays)) {
    throw new RangeError(
      `log retention must be one of CloudWatch's periods (${logRetentionDayValues.join(', ')} days), got ${settings.retentionDays}`,
    );
  }
  return new logs.LogGroup(scope, id, {
    ...(logGroupName === undefined ? {} : { logGroupName }),
    encryptionKey: settings.key,
    retention: settings.retentionDays as logs.RetentionDays,
    removalPolicy: settings.removalPolicy,
  });
}

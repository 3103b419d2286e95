/**
 * Every log group of the deployment is made here: encrypted with the audit/logs key and kept
 * exactly as long as the compliance profiles ask, so no log group can miss either.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
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
}

/**
 * An encrypted log group with the deployment's retention, kept when the stack is deleted so
 * that deleting the stack never deletes audit evidence.
 */
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
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

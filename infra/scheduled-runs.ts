/**
 * What every scheduled Lambda of the construct shares (the audit digest writer, the source range
 * refresher, the self-audit): active tracing set on the L1 resource, creation after its
 * permissions, and alarms on a failed run and on no run, which tell the alarm topic when they
 * fire and when they clear.
 */
import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { FunctionPolicies } from './function-policies.ts';

/** Traces the function when asked, and keeps it from being created before its policies. */
export function settleScheduledFunction(
  fn: lambda.Function,
  policies: FunctionPolicies,
  tracing: boolean,
): void {
  if (tracing) {
    // Set on the L1 resource: the L2 `tracing` prop would add an inline policy to the role.
    (fn.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: lambda.Tracing.ACTIVE };
  }
  // The function must not be created (and invoked) before its permissions exist.
  for (const policy of Object.values(policies)) {
    if (policy !== undefined) fn.node.addDependency(policy);
  }
}

export interface FailedRunAlarmOptions {
  readonly description: string;
  /** The period errors are summed over. */
  readonly period: Duration;
  readonly topic: sns.ITopic;
}

/** `Errors` under `scope`: one failed run of `fn` in `period` fires it; no run is no failure. */
export function alarmOnFailedRuns(
  scope: Construct,
  fn: lambda.Function,
  options: FailedRunAlarmOptions,
): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, 'Errors', {
    alarmDescription: options.description,
    metric: fn.metricErrors({ statistic: cloudwatch.Stats.SUM, period: options.period }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  notifyBothWays(alarm, options.topic);
  return alarm;
}

export interface NotRunningAlarmOptions {
  readonly description: string;
  /** The period invocations are summed over. */
  readonly period: Duration;
  /** How many periods in a row without an invocation fire it. */
  readonly periods: number;
  /** Set `datapointsToAlarm` to `periods` explicitly. @default - left to CloudWatch's default */
  readonly explicitDatapoints?: boolean;
  readonly topic: sns.ITopic;
}

/** `NotRunning` under `scope`: `fn` was not invoked in `periods` periods in a row. */
export function alarmWhenNotRunning(
  scope: Construct,
  fn: lambda.Function,
  options: NotRunningAlarmOptions,
): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, 'NotRunning', {
    alarmDescription: options.description,
    metric: fn.metricInvocations({ statistic: cloudwatch.Stats.SUM, period: options.period }),
    threshold: 1,
    evaluationPeriods: options.periods,
    ...(options.explicitDatapoints === true ? { datapointsToAlarm: options.periods } : {}),
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    // No invocation publishes no data point: that is what this alarm is for.
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  });
  notifyBothWays(alarm, options.topic);
  return alarm;
}

/** Tells `topic` when `alarm` fires and when it clears. */
export function notifyBothWays(alarm: cloudwatch.Alarm, topic: sns.ITopic): void {
  const action = new actions.SnsAction(topic);
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
}

/**
 * What every scheduled Lambda of the construct shares (the audit digest writer, the source range
 * refresher): active tracing set on the L1 resource, creation after its permissions, and an
 * alarm on any failed run that tells the alarm topic when it fires and when it clears.
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
  const notify = new actions.SnsAction(options.topic);
  alarm.addAlarmAction(notify);
  alarm.addOkAction(notify);
  return alarm;
}

/**
 * The alarms on the ingest Lambda's concurrency: invocations Lambda refused (throttles), and
 * concurrency near its limit before it refuses any. The limit is the function's reservation
 * when it has one; without one (the default: a reservation fails to deploy in accounts with a
 * small quota, docs/scaling.md) it is the account's quota, which the function shares with every
 * other function of the account and Region.
 */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { countPeriod } from './handler-metrics.ts';
import { runbook } from './runbook.ts';

/** The ingest function and its reservation, if it has one. */
export interface ConcurrencySource {
  readonly ingestFunction: lambda.IFunction;
  /** @default - no reservation: the account's unreserved pool */
  readonly reservedConcurrency?: number;
}

export function lambdaThrottles(
  scope: Construct,
  { ingestFunction, reservedConcurrency }: ConcurrencySource,
  threshold: number,
): cloudwatch.Alarm {
  const cause =
    reservedConcurrency === undefined
      ? "the account's unreserved concurrency was in use, by this function or by others"
      : `its reservation of ${reservedConcurrency} was in use`;
  const check =
    reservedConcurrency === undefined
      ? "the ConcurrencyNearLimit alarm's graph (the account's claimed concurrency against its quota) and which functions use it (AWS/Lambda ConcurrentExecutions by function); ask for a higher quota in Service Quotas, or reserve concurrency for this function with reservedConcurrency (docs/scaling.md)."
      : "the dashboard's \"Lambda concurrency (max)\" and request graphs: for real traffic, raise reservedConcurrency within the account's quota (docs/scaling.md); for a flood, the front's throttling or the WAF.";
  return new cloudwatch.Alarm(scope, 'LambdaThrottles', {
    alarmDescription: runbook(
      `Lambda refused at least ${threshold} invocations of the ingest function in 5 minutes for want of concurrency: ${cause}. Each was answered with an error (429 or 5xx) and the provider retries it.`,
      check,
    ),
    metric: ingestFunction.metricThrottles({
      statistic: cloudwatch.Stats.SUM,
      period: countPeriod,
    }),
    threshold,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

/**
 * Concurrency held near its limit for 10 of 15 minutes: an early warning, which LambdaThrottles
 * follows once the limit is reached. Without a reservation, the account-wide share follows
 * AWS's formula for it, ClaimedAccountConcurrency over `SERVICE_QUOTA(ConcurrentExecutions)`
 * (Lambda developer guide, "Monitoring concurrency"): the quota is read at evaluation, so a
 * raised quota needs no redeployment.
 */
export function concurrencyNearLimit(
  scope: Construct,
  { ingestFunction, reservedConcurrency }: ConcurrencySource,
  percent: number,
): cloudwatch.Alarm {
  const max = { statistic: cloudwatch.Stats.MAXIMUM, period: countPeriod };
  const common = {
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  };
  if (reservedConcurrency !== undefined) {
    return new cloudwatch.Alarm(scope, 'ConcurrencyNearLimit', {
      ...common,
      alarmDescription: runbook(
        `The ingest Lambda used at least ${percent}% of its reserved concurrency (${reservedConcurrency}) in 2 of the last 3 five-minute periods. At 100% Lambda throttles it (LambdaThrottles).`,
        'the dashboard\'s request and "Lambda duration" graphs: more deliveries, or slower dependencies holding each execution longer (DependencyFailures). For real traffic, raise reservedConcurrency (docs/scaling.md).',
      ),
      metric: ingestFunction.metric('ConcurrentExecutions', max),
      threshold: (reservedConcurrency * percent) / 100,
    });
  }
  const account = (metricName: string) =>
    new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName, ...max });
  return new cloudwatch.Alarm(scope, 'ConcurrencyNearLimit', {
    ...common,
    alarmDescription: runbook(
      `The account's claimed Lambda concurrency (ClaimedAccountConcurrency: executions without a reservation plus every reservation) reached ${percent}% of its quota in this Region in 2 of the last 3 five-minute periods. The ingest Lambda has no reservation and shares what is left; at 100% Lambda throttles it (LambdaThrottles).`,
      'which functions use the concurrency (AWS/Lambda ConcurrentExecutions by function) and the quota in Service Quotas (AWS Lambda, Concurrent executions): ask for more, or reserve concurrency for this function with reservedConcurrency (docs/scaling.md).',
    ),
    metric: new cloudwatch.MathExpression({
      expression: '100 * claimed / SERVICE_QUOTA(executions)',
      usingMetrics: {
        claimed: account('ClaimedAccountConcurrency'),
        executions: account('ConcurrentExecutions'),
      },
      label: 'claimed concurrency (% of the account quota)',
      period: countPeriod,
    }),
    threshold: percent,
  });
}

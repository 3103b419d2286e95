/**
 * One alarm per provider named in `alarms.quietProviders`: none of its deliveries accepted for
 * its hours. Providers are registered at run time, so no synthesis can know them all, and a
 * query over every provider cannot tell "quiet" from "never sent": a provider that stops
 * publishing simply drops out of a GROUP BY, and Metrics Insights alarms look back three hours
 * at most. So the operator names the providers expected to deliver, and each alarm reads that
 * provider's own `accepted` series, whose absence is what it watches for.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { QuietProvider } from './alarm-thresholds.ts';
import { handlerMetrics } from './handler-metrics.ts';
import { runbook } from './runbook.ts';

/** The scope's id, under which each alarm is named after its provider id. */
export const quietProvidersId = 'ProviderQuiet';

/**
 * The provider's accepted deliveries per hour, as the handler counts them: dimension `reason`
 * is `none` for an accepted delivery (functions/ingest/handler.ts). One accepted without its
 * payload copy (`payload_copy_not_written`) does not count: that delivery has its own problem.
 */
export function acceptedPerHour(
  providerId: string,
  namespace: string = handlerMetrics.namespace,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace,
    metricName: 'accepted',
    dimensionsMap: { provider: providerId, reason: 'none', service: handlerMetrics.service },
    statistic: cloudwatch.Stats.SUM,
    period: Duration.hours(1),
  });
}

/** One alarm per provider, under a scope of their own; none when the list is empty. */
export function quietProviderAlarms(
  scope: Construct,
  providers: readonly QuietProvider[],
  namespace: string = handlerMetrics.namespace,
): cloudwatch.Alarm[] {
  if (providers.length === 0) return [];
  const alarms = new Construct(scope, quietProvidersId);
  return providers.map(
    ({ providerId, hours }) =>
      new cloudwatch.Alarm(alarms, providerId, {
        alarmDescription: runbook(
          `No delivery from provider '${providerId}' was accepted for ${hours} hours: it stopped sending, its deliveries are refused, or they no longer reach this endpoint.`,
          `\`webhooks audit list --provider ${providerId} --since ${hours}h\` for refused attempts (401 after a secret rotated, 503 with a reason), then the provider's own webhook settings and delivery log: endpoint URL, subscription enabled, events selected.`,
        ),
        metric: acceptedPerHour(providerId, namespace),
        // Each of the hours must be empty: one accepted delivery clears it.
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: hours,
        datapointsToAlarm: hours,
        // No delivery publishes no data point: that is what this alarm is for.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
  );
}

/**
 * The consumer's default report: one JSON line per message that is also a CloudWatch embedded
 * metric (EMF), counting the outcome under `consumerTelemetry` (functions/config/telemetry.ts).
 * The dashboard row and alarms addConsumer deploys read those counts; the line's other fields
 * (ids, receive count, the error) stay searchable in the function's log.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { consumerTelemetry, telemetry } from '../functions/config/telemetry.ts';
import type { ConsumerReport } from './report.ts';

/** Where no Lambda function name is set (a test, a script): the `function` dimension's value. */
const outsideLambda = 'local';

/** Returns a report function publishing each outcome as one EMF line on standard output. */
export function outcomeMetrics(functionName = process.env.AWS_LAMBDA_FUNCTION_NAME) {
  const metrics = new Metrics({
    namespace: telemetry.metricsNamespace,
    serviceName: consumerTelemetry.serviceName,
  });
  return (report: ConsumerReport): void => {
    // A single metric is written the moment it is added: one line per message, never batched
    // with another message's fields.
    const line = metrics.singleMetric();
    line.addDimension(consumerTelemetry.functionDimension, functionName ?? outsideLambda);
    for (const [key, value] of Object.entries(report)) line.addMetadata(key, String(value));
    line.addMetric(report.outcome, MetricUnit.Count, 1);
  };
}

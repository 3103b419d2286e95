/**
 * The ingest handler's EMF metrics as the dashboard and alarms query them. The handler
 * (functions/ingest/handler.ts) counts one metric per request, named after the outcome, in its
 * instance's namespace (`WebhookIngestion` for the unnamed one: infra/outputs.ts
 * `instanceNames`) with the dimensions service, provider and reason. Every query here takes the
 * namespace, defaulting to the unnamed instance's. Providers are
 * registered at run time, so every query here groups by a dimension instead of naming one.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { telemetry } from '../../functions/config/telemetry.ts';
import type { IngestOutcome } from '../../functions/ingest/ingest.ts';

/** Where the handler publishes: the names functions/config/telemetry.ts defines for both. */
export const handlerMetrics = {
  namespace: telemetry.metricsNamespace,
  service: telemetry.serviceName,
} as const;

/** The dimensions Powertools writes on every count: its `service` plus the handler's two. */
export type HandlerDimension = 'provider' | 'reason';

/**
 * Every count the handler publishes: one per outcome, plus `audit_suppressed` for a refused
 * attempt counted but not written because its source was over its audit budget.
 */
export type HandlerCount = IngestOutcome | 'audit_suppressed';

/**
 * Every count with its legend label. A `Record` over `IngestOutcome`, so that a new outcome
 * in ingest.ts fails the type check here until the dashboard shows it.
 */
export const countLabels: Readonly<Record<HandlerCount, string>> = {
  accepted: 'accepted (202)',
  duplicate: 'duplicate (200)',
  rejected: 'rejected (401)',
  unavailable: 'dependency unavailable (503)',
  in_flight: 'in flight elsewhere (503)',
  too_large: 'too large (413)',
  method_not_allowed: 'method not allowed (405)',
  handshake: 'handshake answered',
  handshake_not_supported: 'handshake not supported (501)',
  audit_suppressed: 'refused, not audited (source over budget)',
};

/** The period of every graph and alarm over the handler's counts. */
export const countPeriod = Duration.minutes(5);

/**
 * A Metrics Insights query summing one outcome, one time series per value of `groupBy`.
 * `SCHEMA` pins the exact dimension set Powertools writes, so no other metric of the
 * namespace matches; `ORDER BY` keeps the busiest series when more than 500 exist, and is
 * what a multi-time-series alarm requires.
 * @example
 * outcomeQuery('rejected', ['provider'])
 * // SELECT SUM(rejected) FROM SCHEMA("WebhookIngestion", provider, reason, service)
 * //   WHERE service = 'webhook-ingestion' GROUP BY provider ORDER BY SUM() DESC
 */
export function outcomeQuery(
  outcome: IngestOutcome,
  groupBy: readonly HandlerDimension[],
  reason?: ReasonFilter,
  namespace: string = handlerMetrics.namespace,
): string {
  const { service } = handlerMetrics;
  return [
    `SELECT SUM(${outcome})`,
    `FROM SCHEMA("${namespace}", provider, reason, service)`,
    `WHERE ${[`service = '${service}'`, ...reasonConditions(reason)].join(' AND ')}`,
    // No dimension: one series over every provider and reason (infra/metrics.ts).
    ...(groupBy.length === 0 ? [] : [`GROUP BY ${groupBy.join(', ')}`, 'ORDER BY SUM() DESC']),
  ].join(' ');
}

/**
 * One reason, or every reason but some. Metrics Insights' WHERE knows `=`, `!=` and `AND`
 * only (no `OR`, no `IN`), so a set of reasons is written as the reasons it leaves out.
 */
export type ReasonFilter = string | { readonly except: readonly string[] };

function reasonConditions(reason: ReasonFilter | undefined): string[] {
  if (reason === undefined) return [];
  if (typeof reason === 'string') return [`reason = '${reason}'`];
  return reason.except.map((excluded) => `reason != '${excluded}'`);
}

/** The series of `outcomeQuery`, labelled by the group values alone. */
export function outcomeByDimension(
  outcome: IngestOutcome,
  groupBy: readonly HandlerDimension[],
  namespace: string = handlerMetrics.namespace,
): cloudwatch.MathExpression {
  // An empty label leaves each series named by its group values (the provider, the reason).
  return new cloudwatch.MathExpression({
    expression: outcomeQuery(outcome, groupBy, undefined, namespace),
    label: '',
    period: countPeriod,
  });
}

/**
 * One count summed over every provider and reason, as a single series. A SEARCH rather than
 * Metrics Insights: a graph may hold only one Metrics Insights query, and this one sits beside
 * the other counts in the same graph.
 */
export function countTotal(
  count: HandlerCount,
  namespace: string = handlerMetrics.namespace,
): cloudwatch.MathExpression {
  const { service } = handlerMetrics;
  const search = `{${namespace},provider,reason,service} MetricName="${count}" service="${service}"`;
  return new cloudwatch.MathExpression({
    expression: `SUM(SEARCH('${search}', 'Sum', ${countPeriod.toSeconds()}))`,
    label: countLabels[count],
    period: countPeriod,
  });
}

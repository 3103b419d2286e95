/**
 * The names the handler's Powertools Logger, Metrics and Tracer publish under, which the CDK
 * construct's dashboard, alarms and saved queries read back.
 */
export const telemetry = {
  serviceName: 'webhook-ingestion',
  /** The EMF namespace; each count is named after the ingest outcome. */
  metricsNamespace: 'WebhookIngestion',
} as const;

/**
 * The variable the construct names each instance's EMF namespace in (infra/outputs.ts
 * `instanceNames`), Powertools' own: the handler counts there and the instance's dashboard and
 * alarms read there, so two instances in one account and region never count together.
 */
export const metricsNamespaceVariable = 'POWERTOOLS_METRICS_NAMESPACE';

/** The namespace `env` names, else `telemetry.metricsNamespace` (the local stack sets none). */
export function metricsNamespaceFrom(env: Readonly<Record<string, string | undefined>>): string {
  const named = env[metricsNamespaceVariable];
  return named === undefined || named === '' ? telemetry.metricsNamespace : named;
}

/**
 * The names the consumer (consumer/) counts its outcomes under, one metric per outcome in the
 * same namespace, which addConsumer's dashboard row and alarms read back.
 */
export const consumerTelemetry = {
  serviceName: 'webhook-ingestion-consumer',
  /** The dimension naming the consumer's Lambda function, so each deployment reads its own. */
  functionDimension: 'function',
} as const;

/**
 * What became of one message in the consumer, each counted as a metric of its name:
 * - `ran`: the handler ran to completion;
 * - `already_done`: the handler had already completed for this delivery, so it was skipped;
 * - `unrouted`: no route takes the delivery, so it is done without running anything;
 * - `in_progress`: another copy of the delivery is running now, so it is left on the queue;
 * - `failed`: the handler threw, or the message could not be opened, so it is left on the queue.
 */
export const consumerOutcomes = [
  'ran',
  'already_done',
  'unrouted',
  'in_progress',
  'failed',
] as const;

/**
 * The `message` of the handler's one log line per request, which the saved Logs Insights
 * queries (infra/observability/audit-queries.ts) filter on.
 */
export const deliveryHandledMessage = 'delivery handled';

/**
 * The fields of that line beside Powertools' own: labels, ids and a status, never a body, a
 * header or a secret. The handler writes exactly these keys and the queries name them through
 * this type, so renaming one fails the type check on both sides.
 */
export type DeliveryHandledFields = {
  readonly outcome: string;
  readonly statusCode: number;
  /** @default - absent when the outcome has no reason */
  readonly reason?: string;
  /** @default - absent until the provider is found in the registry */
  readonly providerId?: string;
  /** @default - absent until a delivery id is settled */
  readonly deliveryId?: string;
  /** @default - absent unless a refused attempt was counted but not audited */
  readonly auditSuppressed?: true;
};

/** The `message` of the warning for an event API Gateway handed over unreadable (400). */
export const unreadableEventMessage = 'unreadable event';

/** The field of that warning: the `InvalidHttpEventError` code. */
export type UnreadableEventFields = {
  readonly code: string;
};

/** The `message` of the error line for a request answered 500. */
export const ingestFailedMessage = 'ingest failed';

/** The fields of the error line: the error's name and code, never its message. */
export type IngestFailedFields = {
  readonly errorName: string;
  readonly code: string;
};

/**
 * The keys Powertools Logger writes on every line that the queries read; `function_request_id`
 * is Lambda's request id, which Logs Insights' `@requestId` does not take from these lines.
 */
export type PowertoolsLogField = 'level' | 'message' | 'function_request_id';

/** Every field of the handler's lines that a saved query may name. */
export type IngestLogField =
  | keyof DeliveryHandledFields
  | keyof UnreadableEventFields
  | keyof IngestFailedFields
  | PowertoolsLogField;
